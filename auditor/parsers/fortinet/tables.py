"""Which FortiOS config sections and settings the parser reads, ignores, or reports.

Part of the fortinet parser (parse stage). A ``show full-configuration`` prints thousands of
settings that cannot change what transit traffic the firewall passes or which ALGs act
(admin accounts, replacement messages, logging, certificates...): those sections are
known-ignored here, by path prefix. Sections that can drop, translate or inspect transit
traffic and that the parser does not evaluate are reported (``UNSUPPORTED``, security
relevant) and turn the checks they touch into ``unknown`` through a ``Limitation``.
Inside the sections it reads, each setting is extracted, ignored (listed below: it does not
change what a policy matches) or reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# --- sections read into tables -------------------------------------------------------------

# Tables every VDOM has; `config system interface` and `config system session-helper` are
# device-wide (under `config global` on a multi-VDOM unit).
VDOM_TABLES = frozenset(
    {
        "firewall policy",
        "firewall address",
        "firewall addrgrp",
        "firewall service custom",
        "firewall service group",
        "firewall vip",
        "firewall vipgrp",
        "firewall schedule recurring",
        "firewall schedule onetime",
        "firewall schedule group",
        "system zone",
        "router static",
        "voip profile",
    }
)
GLOBAL_TABLES = frozenset({"system interface", "system session-helper"})
# Sections of plain settings (no `edit`): read as one entry.
SETTINGS_SECTIONS = frozenset({"system settings", "system global", "system sdwan", "system virtual-wan-link"})

# Settings each table's entries may carry: (extracted, ignored). Anything else is reported.
_POLICY_EXTRACTED = frozenset(
    {
        "srcintf", "dstintf", "srcaddr", "dstaddr", "service", "action", "status", "schedule",
        "nat", "voip-profile", "inspection-mode", "srcaddr-negate", "dstaddr-negate",
        "service-negate", "internet-service", "internet-service-name", "internet-service-id",
        "internet-service-group", "internet-service-custom", "internet-service-custom-group",
        "internet-service-negate", "internet-service-src", "internet-service-src-name",
        "internet-service-src-id", "internet-service-src-group", "internet-service-src-custom",
        "internet-service-src-custom-group", "internet-service-src-negate", "users", "groups",
        "fsso-groups", "srcaddr6", "dstaddr6", "srcaddr4", "dstaddr4", "ippool", "poolname",
        "application", "app-category", "app-group", "url-category", "ztna-status",
    }
)  # fmt: skip
_POLICY_IGNORED = frozenset(
    {
        "name", "uuid", "comments", "logtraffic", "logtraffic-start", "utm-status", "av-profile",
        "webfilter-profile", "ips-sensor", "application-list", "ssl-ssh-profile",
        "profile-protocol-options", "dnsfilter-profile", "emailfilter-profile", "dlp-sensor",
        "dlp-profile", "file-filter-profile", "waf-profile", "icap-profile", "videofilter-profile",
        "ssh-filter-profile", "cifs-profile", "casb-profile", "sctp-filter-profile",
        "profile-type", "profile-group", "global-label", "label", "match-vip", "match-vip-only",
        "auto-asic-offload", "np-acceleration", "send-deny-packet", "capture-packet",
        "traffic-shaper", "traffic-shaper-reverse", "per-ip-shaper", "session-ttl",
        "timeout-send-rst", "fixedport", "permit-any-host", "permit-stun-host", "natip",
        "natinbound", "natoutbound", "diffserv-forward", "diffserv-reverse",
        "diffservcode-forward", "diffservcode-rev", "tos", "tos-mask", "tos-negate",
        "anti-replay", "block-notification", "vlan-cos-fwd", "vlan-cos-rev", "wccp",
        "disclaimer", "email-collect", "dsri", "delay-tcp-npu-session", "custom-log-fields",
        "replacemsg-override-group", "srcaddr6-negate", "dstaddr6-negate", "tcp-mss-sender",
        "tcp-mss-receiver", "tcp-session-without-syn", "geoip-anycast", "geoip-match",
        "nat46", "nat64", "vlan-filter", "webproxy-profile", "webproxy-forward-server",
        "webcache", "webcache-https", "rtp-nat", "rtp-addr", "learning-mode", "policy-expiry",
        "policy-expiry-date", "radius-mac-auth-bypass", "auth-path", "auth-cert",
        "auth-redirect-addr", "redirect-url", "identity-based-route", "passive-wan-health-measurement",
        "reputation-minimum", "reputation-direction", "dynamic-shaping", "app-monitor",
        "decrypted-traffic-mirror", "captive-portal-exempt", "fsso-agent-for-ntlm", "ntlm",
        "ntlm-guest", "ntlm-enabled-browsers", "schedule-timeout", "diameter-filter-profile",
        "virtual-patch-profile", "cgn-eif", "cgn-eim", "cgn-log-server-grp",
        "cgn-resource-quota", "cgn-session-quota", "port-preserve", "port-random", "sgt-check",
        "service-negate6", "ztna-ems-tag", "ztna-geo-tag",
    }
)  # fmt: skip

ENTRY_KEYS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = MappingProxyType(
    {
        "firewall policy": (_POLICY_EXTRACTED, _POLICY_IGNORED),
        "firewall address": (
            frozenset({"type", "subnet", "start-ip", "end-ip", "fqdn", "country", "wildcard",
                       "interface", "sub-type", "sdn", "wildcard-fqdn", "start-mac", "end-mac",
                       "macaddr", "route-tag", "obj-type", "sdn-addr-type", "filter"}),
            frozenset({"uuid", "comment", "associated-interface", "color", "allow-routing",
                       "fabric-object", "visibility", "cache-ttl", "list", "tagging", "node-ip-only",
                       "clearpass-spt", "dirty", "policy-group", "tenant", "organization",
                       "epg-name", "fsso-group", "obj-id", "sso-attribute-value", "hw-vendor",
                       "hw-model", "os", "sw-version", "global-object"}),
        ),
        "firewall addrgrp": (
            frozenset({"member", "exclude", "exclude-member", "type", "category"}),
            frozenset({"uuid", "comment", "color", "allow-routing", "fabric-object", "visibility",
                       "tagging", "global-object"}),
        ),
        "firewall service custom": (
            frozenset({"protocol", "tcp-portrange", "udp-portrange", "sctp-portrange",
                       "protocol-number", "icmptype", "icmpcode", "iprange", "fqdn", "proxy",
                       "udplite-portrange", "helper"}),
            frozenset({"uuid", "category", "comment", "color", "visibility", "app-service-type",
                       "app-category", "application", "check-reset-range",
                       "session-ttl", "tcp-halfclose-timer", "tcp-halfopen-timer",
                       "tcp-timewait-timer", "tcp-rst-timer", "udp-idle-timer", "fabric-object",
                       "global-object"}),
        ),
        "firewall service group": (
            frozenset({"member", "proxy"}),
            frozenset({"uuid", "comment", "color", "fabric-object", "global-object"}),
        ),
        "firewall vip": (
            frozenset({"extip", "mappedip", "extintf", "portforward", "protocol", "extport",
                       "mappedport", "type", "status", "ldb-method", "server-type",
                       "portmapping-type", "extaddr", "mapped-addr", "nat-source-vip",
                       "src-filter", "service"}),
            frozenset({"uuid", "comment", "color", "arp-reply", "id", "http-redirect",
                       "gratuitous-arp-interval", "dns-mapping-ttl", "persistence",
                       "ssl-certificate", "srcintf-filter", "http-ip-header", "http-multiplex",
                       "outlook-web-access", "weblogic-server", "websphere-server",
                       "max-embryonic-connections", "monitor", "nat44", "nat46", "ipv6-mappedip",
                       "ipv6-mappedport", "h2-support", "h3-support", "one-click-gslb-server",
                       "gslb-hostname", "gslb-domain-name", "global-object"}),
        ),
        "firewall vipgrp": (
            frozenset({"member", "interface"}),
            frozenset({"uuid", "comments", "color"}),
        ),
        "system zone": (
            frozenset({"interface", "intrazone"}),
            frozenset({"description", "tagging"}),
        ),
        "router static": (
            frozenset({"dst", "gateway", "device", "status", "blackhole", "dstaddr",
                       "internet-service", "internet-service-custom", "sdwan", "sdwan-zone",
                       "virtual-wan-link", "dynamic-gateway"}),
            frozenset({"distance", "weight", "priority", "comment", "vrf", "bfd", "link-monitor-exempt",
                       "tag", "src", "preferred-source"}),
        ),
        "system interface": (
            frozenset({"ip", "vdom", "role", "status", "type", "dedicated-to", "interface",
                       "mode", "alias"}),
            frozenset(),  # every other interface setting is cosmetic or layer 2 for this audit
        ),
        "system session-helper": (frozenset({"name", "protocol", "port"}), frozenset()),
        "voip profile": (frozenset({"feature-set"}), frozenset({"comment"})),
        "firewall schedule recurring": (frozenset(), frozenset({"day", "start", "end", "color",
                                                                 "fabric-object", "uuid", "label-day"})),
        "firewall schedule onetime": (frozenset(), frozenset({"start", "end", "color", "expiration-days",
                                                               "fabric-object", "uuid", "start-utc",
                                                               "end-utc"})),
        "firewall schedule group": (frozenset({"member"}), frozenset({"color", "fabric-object", "uuid"})),
    }
)  # fmt: skip
# Setting-name prefixes known not to change what an entry matches or maps, per table
# (server load balancing, TLS offload and HTTP options of VIPs; tagging of addresses).
IGNORED_KEY_PREFIXES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "firewall vip": ("ssl-", "http-", "https-", "gslb-", "ipv6-", "nat4", "nat6", "h2-", "h3-",
                         "quic", "client-cert", "empty-cert-action", "user-agent-detect",
                         "add-nat46-route", "max-embryonic", "websphere", "weblogic", "outlook"),
        "firewall address": ("sdn-", "obj-", "tag-", "hw-", "sw-", "fsso-"),
        "firewall policy": ("cgn-", "ztna-", "pcp-", "wanopt-", "webcache", "ntlm", "diffserv"),
    }
)  # fmt: skip
# Tables whose unknown settings are reported as security-relevant.
RELEVANT_TABLES = frozenset(
    {"firewall policy", "firewall address", "firewall addrgrp", "firewall service custom",
     "firewall service group", "firewall vip", "firewall vipgrp", "system zone"}
)  # fmt: skip
# Tables where any setting not listed is known to be irrelevant (cosmetic, layer 2, timers).
LENIENT_TABLES = frozenset({"system interface"})

# `config system settings` keys that matter; the rest are ignored.
SETTINGS_KEYS = frozenset(
    {"default-voip-alg-mode", "central-nat", "opmode", "ngfw-mode", "inspection-mode", "sip-helper",
     "sip-nat-trace", "sip-expectation", "sip-udp-port", "sip-tcp-port", "sip-ssl-port",
     "sccp-port", "status", "vdom-type"}
)  # fmt: skip

# --- sections not read -------------------------------------------------------------------

# Path prefixes (lower case, space-joined) known not to change what transit traffic passes,
# nor which ALGs act.
IGNORED_PREFIXES: tuple[str, ...] = (
    "system replacemsg", "system accprofile", "system admin", "system api-user", "system storage",
    "system np6", "system np7", "system npu", "system email-server", "system snmp", "system ha",
    "system ntp", "system dns", "system fortiguard", "system central-management",
    "system console", "system vdom-property", "system vdom-link", "system vdom-exception",
    "system switch-interface", "system lte-modem", "system virtual-switch", "system password-policy",
    "system sso-admin", "system automation", "system dhcp", "system dhcp6", "system alarm",
    "system alias", "system auto-install", "system auto-update", "system autoupdate", "system cluster-sync",
    "system custom-language", "system ddns", "system dedicated-mgmt", "system dns-database",
    "system dns-server", "system dns64", "system external-resource", "system fips-cc",
    "system fortimanager", "system fortisandbox", "system fsso-polling", "system ftm-push",
    "system geoip-override", "system ike", "system ips-urlfilter-dns", "system ipam",
    "system ipv6-neighbor-cache", "system link-monitor", "system mac-address-table",
    "system mobile-tunnel", "system modem", "system nd-proxy", "system netflow",
    "system object-tagging", "system physical-switch", "system pppoe-interface",
    "system probe-response", "system proxy-arp", "system resource-limits", "system sflow",
    "system sit-tunnel", "system sms-server", "system speed-test", "system standalone-cluster",
    "system stp", "system tos-based-priority", "system vne-tunnel", "system wccp",
    "system csf", "system fabric-vpn", "system saml", "system ptp",
    "system federated-upgrade", "system ha-monitor", "system interface-policy", "system gre-tunnel",
    "system ipip-tunnel", "system vxlan", "system arp-table", "system affinity", "system fortiai",
    "system fortindr", "system evpn", "system pcp-server", "system ssh-config", "system acme",
    "system virtual-wire-pair", "system 3g-modem", "system lldp", "system network-visibility",
    "system replacemsg-group", "system replacemsg-image", "system management-tunnel",
    "system vdom-dns", "system vdom-netflow", "system vdom-sflow", "system vdom-radius-server",
    "system session-ttl", "system ips", "system ipsec-aggregate", "system isf-queue-profile",
    "system ntp", "system smc-ntp", "system sdn-connector", "system sdn-proxy",
    "system device-upgrade", "system health-check-fortiguard", "system ftm-push",
    "system nat64", "system fm", "system sov-sase", "system ssh-config", "system timezone",
    "wireless-controller", "switch-controller", "log", "report", "alertemail",
    "vpn certificate", "vpn ssl", "vpn ipsec", "vpn l2tp", "vpn pptp", "vpn ocvpn", "vpn kmip-server",
    "vpn qkd", "user", "authentication", "firewall ssh", "firewall internet-service",
    "firewall service category", "firewall address6", "firewall addrgrp6", "firewall address6-template",
    "firewall multicast-address", "firewall multicast-address6", "firewall wildcard-fqdn",
    "firewall ippool", "firewall ippool6", "firewall ldb-monitor", "firewall profile-protocol-options",
    "firewall ssl-ssh-profile", "firewall ssl", "firewall profile-group", "firewall identity-based-route",
    "firewall local-in-policy", "firewall local-in-policy6", "firewall policy6", "firewall policy64",
    "firewall policy46", "firewall vip6", "firewall vip46", "firewall vip64", "firewall vipgrp6",
    "firewall vipgrp46", "firewall vipgrp64", "firewall proxy-address", "firewall proxy-addrgrp",
    "firewall proxy-policy", "firewall shaper", "firewall shaping-policy", "firewall shaping-profile",
    "firewall traffic-class", "firewall auth-portal", "firewall ipmacbinding", "firewall ip-translation",
    "firewall multicast-policy", "firewall multicast-policy6",
    "firewall ttl-policy", "firewall sniffer", "firewall ipv6-eh-filter", "firewall region",
    "firewall city", "firewall country", "firewall vendor-mac", "firewall decrypted-traffic-mirror",
    "firewall access-proxy", "firewall access-proxy6", "firewall access-proxy-virtual-host",
    "firewall access-proxy-ssh-client-cert", "firewall dnstranslation", "firewall mms-profile",
    "firewall gtp", "firewall pfcp", "firewall carrier-endpoint-bwl", "firewall address6-template",
    "firewall network-service-dynamic", "firewall on-demand-sniffer",
    "webfilter", "antivirus", "ips", "application", "dnsfilter", "emailfilter", "spamfilter", "dlp",
    "waf", "icap", "endpoint-control", "file-filter", "videofilter", "ssh-filter", "cifs", "casb",
    "sctp-filter", "diameter-filter", "virtual-patch", "web-proxy", "wanopt", "extender-controller",
    "extension-controller", "certificate", "ftp-proxy", "gui", "dpdk", "hardware", "monitoring",
    "nsxt", "rule", "automation", "credential-store", "sctp", "ztna", "videofilter",
    "router multicast", "router multicast6", "router multicast-flow", "router rip", "router ripng",
    "router ospf", "router ospf6", "router bgp", "router isis", "router setting", "router access-list",
    "router access-list6", "router prefix-list", "router prefix-list6", "router route-map",
    "router aspath-list", "router community-list", "router key-chain", "router bfd", "router bfd6",
    "router auth-path", "router policy", "router policy6", "router static6", "router extcommunity-list",
    "router info", "router info6",
)  # fmt: skip

# Path stems matched as plain string prefixes (families of sections with varying last words).
IGNORED_STEMS: tuple[str, ...] = (
    "firewall internet-service",  # ISDB definitions: a policy naming one is inexact anyway
    "system certificate",
    "system replacemsg",
    "system snmp",
    "log ",
    "switch-controller",
    "wireless-controller",
)

# Sections that can drop or divert transit traffic and are not evaluated:
# path prefix -> (reason, what the Limitation affects).
UNSUPPORTED: Mapping[str, tuple[str, frozenset[str]]] = MappingProxyType(
    {
        "firewall security-policy": (
            "NGFW policy-based mode security policies are not evaluated",
            frozenset({"flow"}),
        ),
        "firewall acl": (
            "NP hardware ACLs (drop before the policies) are not evaluated",
            frozenset({"flow"}),
        ),
        "firewall dos-policy": (
            "DoS policies are not evaluated (they drop anomalous traffic only)",
            frozenset(),
        ),
        "firewall interface-policy": (
            "interface policies (IPS/AV on an interface) are not evaluated",
            frozenset(),
        ),
        "firewall central-snat-map": ("central SNAT map not evaluated", frozenset()),
    }
)
