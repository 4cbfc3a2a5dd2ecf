# 2025-01-02 10:00:00 by RouterOS 7.18.2
# software id = TEST-0005
#
# Plain /export: no service-port, upnp or nat-pmp lines, so all are at their defaults.
/interface bridge
add name=bridge
/interface list
add name=WAN
add name=LAN
/interface list member
add interface=bridge list=LAN
add interface=ether1 list=WAN
/ip address
add address=192.168.88.1/24 interface=bridge network=192.168.88.0
/ip dhcp-client
add interface=ether1
/ip firewall filter
add action=drop chain=forward dst-port=5060 protocol=udp
add action=drop chain=forward connection-nat-state=!dstnat connection-state=new \
    in-interface-list=WAN
/ip firewall nat
add action=masquerade chain=srcnat out-interface-list=WAN
/system identity
set name=home-gw
