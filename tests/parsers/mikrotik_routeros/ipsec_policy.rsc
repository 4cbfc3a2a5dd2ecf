# by RouterOS 7.16
/ip ipsec peer
add address=198.51.100.9/32 name=office
/ip ipsec identity
add peer=office secret=x
/ip ipsec policy
set 0 disabled=yes
add disabled=yes dst-address=10.20.0.0/16 peer=office src-address=192.168.88.0/24 tunnel=yes
/ip firewall filter
add action=accept chain=forward ipsec-policy=out,ipsec
add action=drop chain=forward ipsec-policy=in,none protocol=udp dst-port=16384-16387
