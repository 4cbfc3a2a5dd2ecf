# dec/13/2019 07:16:49 by RouterOS 6.45.7
# software id = IJKL-9012
/ip address
add address=192.168.1.1/24 interface=ether2 network=192.168.1.0
add address=203.0.113.2/29 interface=ether1 network=203.0.113.0
/ip route
add distance=1 gateway=203.0.113.1
/ip firewall nat
add action=masquerade chain=srcnat !connection-bytes !connection-limit out-interface=ether1 \
    !to-addresses !to-ports
add action=netmap chain=dstnat !connection-bytes dst-address=203.0.113.3 !dst-port \
    in-interface=ether1 to-addresses=192.168.1.50 !to-ports
/ip firewall service-port
set ftp disabled=no ports=21
set tftp disabled=no ports=69
set irc disabled=no ports=6667
set h323 disabled=yes
set sip disabled=no ports=5060,5061 sip-direct-media=yes sip-timeout=1h
set pptp disabled=no
set udplite disabled=no
set dccp disabled=no
set sctp disabled=no
/ip upnp
set allow-disable-external-interface=no enabled=no show-dummy-rule=yes
