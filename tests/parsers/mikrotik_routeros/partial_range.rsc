# by RouterOS 7.15.2
/ip address
add address=10.1.1.1/24 interface=ether2 network=10.1.1.0
/ip firewall filter
add action=accept chain=forward dst-port=80,443,5223 in-interface=ether2 protocol=tcp
add action=accept chain=forward dst-port=3478-3480,16384-16387 in-interface=ether2 \
    protocol=udp
add action=reject chain=forward reject-with=icmp-network-unreachable
/ip firewall nat
add action=masquerade chain=srcnat out-interface=ether1
/ip firewall service-port
set sip disabled=yes
set h323 disabled=yes
