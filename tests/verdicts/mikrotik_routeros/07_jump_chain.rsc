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
add action=jump chain=forward in-interface=bridge jump-target=lan-out
add action=drop chain=forward connection-state=new in-interface=ether1
add action=drop chain=lan-out comment="no RTP out" dst-port=16384-16402 protocol=udp
add action=return chain=lan-out
add action=drop chain=lan-out comment="never reached"
/ip firewall nat
add action=masquerade chain=srcnat out-interface=ether1
