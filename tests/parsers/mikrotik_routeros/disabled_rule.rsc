# by RouterOS 6.49.7
/ip firewall filter
add action=drop chain=forward disabled=yes dst-address=17.0.0.0/8 protocol=udp
add action=drop chain=forward connection-state=invalid
/ip firewall nat
add action=masquerade chain=srcnat disabled=yes out-interface=ether9
add action=masquerade chain=srcnat out-interface=ether1
/ip dhcp-client
add disabled=no interface=ether1
