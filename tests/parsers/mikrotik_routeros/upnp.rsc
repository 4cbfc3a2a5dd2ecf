# by RouterOS 6.48.6
/interface pppoe-client
add add-default-route=yes disabled=no interface=ether1 name=pppoe-out1 user=u
/ip address
add address=192.168.1.1/24 interface=bridge-lan network=192.168.1.0
/ip firewall nat
add action=masquerade chain=srcnat out-interface=pppoe-out1
/ip upnp
set allow-disable-external-interface=no enabled=yes
/ip upnp interfaces
add interface=bridge-lan type=internal
add interface=pppoe-out1 type=external
