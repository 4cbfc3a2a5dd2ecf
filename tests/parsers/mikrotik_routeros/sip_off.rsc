# by RouterOS 7.14
/ip firewall service-port
set sip disabled=yes
set h323 disabled=yes
set rtsp disabled=yes
set ftp disabled=yes
/ip firewall nat
add action=masquerade chain=srcnat out-interface=ether1
