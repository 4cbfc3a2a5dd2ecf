# by RouterOS 7.12
/ip firewall address-list
add address=17.0.0.0/8 list=apple
add address=192.168.1.0/24 list=lan-nets
add address=10.9.9.1-10.9.9.20 list=lan-nets
add address=updates.example.com list=by-name
add address=17.5.5.5 disabled=yes list=apple
/ip firewall filter
add action=add-src-to-address-list address-list=scanners address-list-timeout=1d chain=forward \
    dst-port=23 protocol=tcp
add action=drop chain=forward src-address-list=scanners
add action=drop chain=forward dst-address-list=by-name
add action=accept chain=forward dst-address-list=apple src-address-list=lan-nets
add action=drop chain=forward dst-address-list=!apple
/ip firewall nat
add action=masquerade chain=srcnat out-interface=ether1
