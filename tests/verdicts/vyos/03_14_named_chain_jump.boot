firewall {
    ipv4 {
        forward {
            filter {
                rule 10 {
                    action jump
                    inbound-interface {
                        name eth1
                    }
                    jump-target LAN_OUT
                }
            }
        }
        name LAN_OUT {
            rule 10 {
                action accept
                destination {
                    port 80,443,5223
                }
                protocol tcp
            }
            rule 20 {
                action accept
                destination {
                    port 3478-3497
                }
                protocol udp
            }
        }
    }
}
interfaces {
    ethernet eth0 {
        address 203.0.113.2/24
        hw-id 00:50:56:00:00:01
    }
    ethernet eth1 {
        address 192.168.1.1/24
    }
}
nat {
    destination {
        rule 10 {
            destination {
                port 3478
            }
            inbound-interface {
                name eth0
            }
            protocol udp
            translation {
                address 192.168.1.10
            }
        }
    }
    source {
        rule 100 {
            outbound-interface {
                name eth0
            }
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
system {
    host-name vyos
}
// Warning: Do not remove the following line.
// vyos-config-version: "bgp@5:conntrack@5:firewall@15:nat@8:system@27"
// Release version: 1.4.0
