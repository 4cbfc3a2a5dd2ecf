# jan/02/2025 10:00:00 by RouterOS 7.16
# software id = TEST-0001
/interface list
add name=WAN
add name=LAN
/interface list member
add interface=bridge list=LAN
add interface=ether1 list=WAN
/ip address
add address=192.168.88.1/24 interface=bridge network=192.168.88.0
/ip firewall filter
add action=accept chain=forward connection-state=established,related
add action=drop chain=forward comment="block media" dst-port=3478-3497 protocol=udp
add action=accept chain=forward dst-address=17.0.0.0/8 in-interface-list=LAN
add action=drop chain=forward
/ip firewall nat
add action=masquerade chain=srcnat out-interface-list=WAN
