# 2025-02-01 08:00:00 by RouterOS 7.17
# software id = QRST-7890
/interface list
add name=WAN
add name=LAN
/interface list member
add interface=bridge list=LAN
add interface=ether1 list=WAN
/ip address
add address=172.16.5.1/24 interface=bridge network=172.16.5.0
/ip firewall nat
add action=masquerade chain=srcnat out-interface-list=WAN
/ip firewall service-port
set sip disabled=yes
set h323 disabled=yes
/ip nat-pmp
set enabled=yes
/ip nat-pmp interfaces
add interface=ether1 type=external
add interface=bridge type=internal
