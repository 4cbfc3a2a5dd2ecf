# 2026-11-30 09:15:02 by RouterOS 7.12.1
# software id = AB12-CD34
/interface bridge
add name=bridge-lan
/ip address
add address=10.80.0.1/24 interface=bridge-lan network=10.80.0.0
/ip firewall filter
add action=accept chain=forward connection-state=established,related
add action=accept chain=forward in-interface=bridge-lan out-interface=ether1 dst-address=17.0.0.0/8 protocol=tcp dst-port=80,443,5223
add action=drop chain=forward
/ip firewall nat
add action=masquerade chain=srcnat out-interface=ether1
/ip firewall service-port
set sip disabled=yes
/system identity
set name=edge-mt-01
