# jan/15/2022 09:00:00 by RouterOS 6.48.6
# software id = EFGH-5678
/interface bridge
add name=bridge-lan
/interface pppoe-client
add add-default-route=yes disabled=no interface=ether1 name=pppoe-out1 user=isp
/ip address
add address=192.168.1.1/24 interface=bridge-lan network=192.168.1.0
/ip firewall filter
add action=accept chain=forward connection-state=established,related
add action=drop chain=forward connection-state=invalid
add action=drop chain=forward connection-nat-state=!dstnat connection-state=new in-interface=pppoe-out1
/ip firewall nat
add action=masquerade chain=srcnat out-interface=pppoe-out1
/ip upnp
set allow-disable-external-interface=no enabled=yes
/ip upnp interfaces
add interface=bridge-lan type=internal
add interface=pppoe-out1 type=external
