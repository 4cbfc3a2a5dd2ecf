# by RouterOS 6.49.13
/ip address
add address=192.168.10.1/24 interface=ether2 network=192.168.10.0
add address=198.51.100.20/30 interface=ether1 network=198.51.100.20
/ip route
add distance=1 gateway=198.51.100.21
/ip firewall filter
add action=accept chain=input connection-state=established,related
add action=drop chain=input in-interface=ether1
add action=accept chain=forward connection-state=established,related
add action=accept chain=forward dst-port=53 out-interface=ether1 protocol=udp
add action=drop chain=forward
/ip firewall nat
add action=src-nat chain=srcnat out-interface=ether1 to-addresses=198.51.100.22
/ip firewall service-port
set sip disabled=yes
