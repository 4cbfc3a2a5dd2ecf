# dec/13/2023 07:16:49 by RouterOS 6.49.10
# software id = TEST-0009
/interface ethernet
set [ find default-name=ether1 ] advertise=10M-half,100M-full arp=enabled disabled=no \
    mtu=1500 name=wan1
set [ find default-name=ether5 ] disabled=yes
/interface list
set [ find name=all ] comment="contains all interfaces" exclude="" include="" name=all
add exclude="" include="" name=inside-a
add exclude="" include=inside-a name=inside-all
/interface list member
add interface=ether2 list=inside-a
add interface=ether3 list=inside-all
/ip address
add address=10.0.2.1/24 interface=ether2 network=10.0.2.0
add address=10.0.3.1/24 interface=ether3 network=10.0.3.0
/ip route
add distance=1 gateway=198.51.100.1
add dst-address=10.50.0.0/16 gateway=10.0.2.254
/ip firewall raw
add action=notrack chain=prerouting dst-address=17.0.0.0/8 protocol=udp \
    src-address=10.0.2.0/24
add action=drop chain=prerouting dst-port=16400-16402 protocol=udp
/ip firewall filter
add action=fasttrack-connection chain=forward connection-state=established,related
add action=accept chain=forward !connection-bytes !connection-limit connection-state=\
    established,related,untracked !dst-address disabled=no log=no log-prefix=""
add action=jump chain=forward comment="from inside" in-interface-list=inside-all \
    jump-target=lan-out
add action=drop chain=forward in-interface=!wan1 out-interface=!wan1
add action=log chain=lan-out log-prefix="lan: "
add action=drop chain=lan-out protocol=tcp dst-port=5223 src-address=10.0.3.0/24
add action=return chain=lan-out protocol=udp connection-state=!new
add action=accept chain=lan-out protocol=tcp tcp-flags=syn
add action=accept chain=lan-out protocol=udp dst-port=!53 out-interface=wan1
add action=accept chain=lan-out layer7-protocol=voip
/ip firewall nat
add action=masquerade chain=srcnat !connection-bytes out-interface=wan1 !to-addresses \
    !to-ports
/ip firewall service-port
set ftp disabled=no ports=21
set tftp disabled=no ports=69
set irc disabled=yes ports=6667
set h323 disabled=no
set sip disabled=no ports=5060,5061 sip-direct-media=yes sip-timeout=1h
set pptp disabled=no
set rtsp disabled=yes ports=554
set udplite disabled=no
set dccp disabled=no
set sctp disabled=no
/ip upnp
set allow-disable-external-interface=no enabled=no show-dummy-rule=yes
/system note
set note="A note with \"quotes\" and a continued \\
    line" show-at-login=no
/ip hotspot
add interface=ether4 name=hs1
