# 2025-03-10 11:59:20 by RouterOS 7.18.2
# software id = ABCD-1234
#
# model = RB5009UPr+S+
/interface bridge
add admin-mac=AA:BB:CC:00:00:01 auto-mac=no comment=defconf name=bridge
/interface list
add comment=defconf name=WAN
add comment=defconf name=LAN
/interface bridge port
add bridge=bridge comment=defconf interface=ether2
add bridge=bridge comment=defconf interface=ether3
/interface list member
add comment=defconf interface=bridge list=LAN
add comment=defconf interface=ether1 list=WAN
/ip address
add address=192.168.88.1/24 comment=defconf interface=bridge network=192.168.88.0
/ip dhcp-client
add comment=defconf interface=ether1
/ip firewall filter
add action=accept chain=forward connection-state=established,related
add action=accept chain=forward protocol=tcp in-interface-list=LAN
add action=accept chain=forward dst-address=17.0.0.0/8 dst-port=3478-3479 protocol=udp
add action=drop chain=forward in-interface-list=LAN protocol=udp
/ip firewall nat
add action=masquerade chain=srcnat out-interface-list=WAN
