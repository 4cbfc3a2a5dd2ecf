# by RouterOS 7.12.1
/ip address
add address=192.168.88.1/24 interface=bridge network=192.168.88.0
/ip firewall raw
add action=notrack chain=prerouting comment="STUN without conntrack" dst-port=3478-3497 protocol=udp
/ip firewall filter
add action=accept chain=forward connection-state=established,related
add action=drop chain=forward comment="drop untracked" connection-state=untracked
/ip firewall nat
add action=masquerade chain=srcnat out-interface=ether1
