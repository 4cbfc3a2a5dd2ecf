# 2025-05-04 21:46:19 by RouterOS 7.19
# software id = MNOP-3456
#
/interface ethernet
set [ find default-name=ether1 ] advertise="10M-baseT-half,10M-baseT-full,100M\
    -baseT-half,100M-baseT-full" arp=enabled disabled=no l2mtu=1514 mtu=1500 \
    name=ether1-isp
/interface list
set [ find name=all ] comment="contains all interfaces" exclude="" include="" \
    name=all
add exclude="" include="" name=lst-wan
add exclude="" include="" name=lst-lan
/interface list member
add disabled=no interface=bridge1 list=lst-lan
add disabled=no interface=ether1-isp list=lst-wan
/ip address
add address=10.20.30.1/24 disabled=no interface=bridge1 network=10.20.30.0
/ip dhcp-client
add add-default-route=yes default-route-distance=10 dhcp-options=\
    hostname,clientid disabled=no interface=ether1-isp use-peer-dns=no
/ip firewall filter
add action=accept chain=forward comment="forward from trusted" !connection-bytes \
    !connection-limit !connection-state disabled=no !dst-address log=no \
    log-prefix="" !protocol src-address=10.20.30.0/24 !tcp-flags
add action=drop chain=forward comment="drop all from WAN not DSTNATed" \
    connection-nat-state=!dstnat connection-state=new in-interface-list=\
    lst-wan
/ip firewall nat
add action=dst-nat chain=dstnat comment=media@nas !connection-bytes disabled=no \
    dst-port=32400 in-interface-list=lst-wan !ipsec-policy log=no log-prefix="" \
    protocol=tcp to-addresses=10.20.30.11 to-ports=32400 !ttl
add action=masquerade chain=srcnat comment=masquerade disabled=no \
    ipsec-policy=out,none out-interface-list=lst-wan !to-addresses !to-ports
/ip firewall service-port
set ftp disabled=no ports=21
set tftp disabled=no ports=69
set irc disabled=no ports=6667
set h323 disabled=yes
set sip disabled=yes ports=5060,5061 sip-direct-media=yes sip-timeout=1h
set pptp disabled=no
set rtsp disabled=no ports=554
set udplite disabled=no
set dccp disabled=no
set sctp disabled=no
/ip nat-pmp
set enabled=no
/ip upnp
set allow-disable-external-interface=no enabled=yes show-dummy-rule=yes
/ip upnp interfaces
add disabled=no !forced-ip interface=ether1-isp type=external
add disabled=no !forced-ip interface=bridge1 type=internal
