# by RouterOS 7.16
/interface list
add name=WAN
add name=LAN
/interface list member
add interface=ether1 list=WAN
add interface=bridge list=LAN
/ip firewall nat
add action=masquerade chain=srcnat out-interface-list=WAN
add action=dst-nat chain=dstnat dst-port=3478-3480 in-interface-list=WAN protocol=udp \
    to-addresses=192.168.88.20
add action=netmap chain=dstnat dst-address=203.0.113.7 to-addresses=192.168.88.30
add action=redirect chain=dstnat dst-port=80 in-interface=bridge protocol=tcp to-ports=8080
add action=dst-nat chain=dstnat disabled=yes dst-port=443 protocol=tcp to-addresses=192.168.88.40
/ip firewall filter
add action=drop chain=forward connection-nat-state=!dstnat connection-state=new \
    in-interface-list=WAN
