firewall {
    all-ping enable
    name LAN_IN {
        default-action drop
        rule 10 {
            action accept
            state {
                established enable
                related enable
            }
        }
        rule 20 {
            action drop
            destination {
                port 16384-16402
            }
            protocol udp
        }
        rule 30 {
            action accept
            source {
                address 192.168.1.0/24
            }
        }
    }
}
interfaces {
    ethernet eth0 {
        address 203.0.113.2/24
    }
    ethernet eth1 {
        address 192.168.1.1/24
        firewall {
            in {
                name LAN_IN
            }
        }
    }
}
nat {
    source {
        rule 100 {
            outbound-interface eth0
            translation {
                address masquerade
            }
        }
    }
}
protocols {
    static {
        route 0.0.0.0/0 {
            next-hop 203.0.113.1 {
            }
        }
    }
}
// Warning: Do not remove the following line.
// vyos-config-version: "conntrack@2:firewall@5:nat@5:system@21"
// Release version: 1.3.2
