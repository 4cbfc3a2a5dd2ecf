# by RouterOS 6.49.7
/interface bridge
add name=bridge-guest
/ip address
add address=10.5.50.1/24 interface=bridge-guest network=10.5.50.0
/ip dhcp-client
add disabled=no interface=ether1
/ip hotspot profile
add hotspot-address=10.5.50.1 name=hsprof1
/ip hotspot
add address-pool=hs-pool disabled=no interface=bridge-guest name=hotspot1 profile=hsprof1
/ip firewall nat
add action=masquerade chain=srcnat out-interface=ether1
/ip firewall service-port
set sip disabled=yes
set h323 disabled=yes
