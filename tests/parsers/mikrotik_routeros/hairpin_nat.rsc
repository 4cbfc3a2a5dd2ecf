# by RouterOS 7.16
/interface list
add name=WAN
add name=LAN
/interface list member
add interface=bridge list=LAN
add interface=ether1 list=WAN
/ip address
add address=192.168.88.1/24 interface=bridge network=192.168.88.0
/ip firewall nat
add action=masquerade chain=srcnat out-interface-list=WAN
add action=dst-nat chain=dstnat dst-port=8080 in-interface-list=WAN protocol=tcp to-addresses=192.168.88.10 to-ports=80
add action=masquerade chain=srcnat comment="hairpin" dst-address=192.168.88.10 out-interface=bridge protocol=tcp src-address=192.168.88.0/24
add action=masquerade chain=srcnat comment="hairpin, no dst" out-interface-list=LAN src-address=192.168.88.0/24
