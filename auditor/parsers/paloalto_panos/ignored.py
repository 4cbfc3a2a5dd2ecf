"""Configuration subtrees the paloalto_panos parser knows and leaves out of the model.

Part of the paloalto_panos parser (parse stage). Each entry says why the subtree cannot
change what transit traffic between zones is allowed, which ALG runs, or which port is
mapped. Subtrees that could change a verdict but are not modelled are in ``UNSUPPORTED``
with the reason the report shows.
"""

from __future__ import annotations

# First word under a vsys (or shared, or a single-vsys config's top level).
SCOPE_IGNORED: dict[str, str] = {
    "profiles": "security profiles inspect allowed traffic; they do not decide the rule match",
    "profile-group": "security profile groups (content inspection of allowed traffic)",
    "log-settings": "logging",
    "tag": "object tags (labels)",
    "external-list": "external dynamic lists: only used through address or URL references",
    "schedule": "schedule objects: rules that use one are treated as inexact",
    "region": "region objects",
    "application": "custom App-IDs: rules naming an application other than any are inexact anyway",
    "application-group": "application groups: rules naming applications are inexact anyway",
    "application-filter": "application filters: rules naming applications are inexact anyway",
    "application-status": "application enable/disable state (App-ID content)",
    "application-tag": "application tags",
    "threats": "custom threat signatures",
    "reports": "reports",
    "report-group": "reports",
    "pdf-summary-report": "reports",
    "email-scheduler": "reports",
    "response-page": "response pages",
    "content-preview": "content preview",
    "server-profile": "log and authentication servers",
    "authentication-profile": "administrator authentication",
    "authentication-sequence": "administrator authentication",
    "certificate": "certificates",
    "certificate-profile": "certificates",
    "ssl-tls-service-profile": "management TLS",
    "ssl-decrypt": "decryption certificates",
    "local-user-database": "user accounts",
    "admin-role": "administrator roles",
    "user-id-collector": "User-ID collection",
    "user-id-agent": "User-ID collection",
    "group-mapping": "User-ID group mapping",
    "dynamic-user-group": "user groups (rules using users are inexact)",
    "global-protect": "GlobalProtect VPN portal/gateway settings",
    "botnet": "botnet report settings",
    "ocsp-responder": "certificates",
    "scep": "certificates",
    "import": "interfaces and routers imported into the vsys",
    "display-name": "vsys display name",
    "setting": "vsys settings",
    "visible-vsys": "vsys visibility",
    "zone-protection-profile": "zone protection (flood and reconnaissance protection)",
    "url-filtering": "URL filtering settings",
    "url-admin-override": "URL filtering settings",
    "device-object": "IoT device objects",
    "address-object": "address-object settings",
    "admin-profile": "administrator profiles",
    "override": "template override marker",
    "user-tag": "user tags",
    "ts-agent": "terminal server agents",
    "content-cloud": "content cloud settings",
    "redistribution-agent": "User-ID redistribution",
    "log-collector": "log collection",
}

# First word under a device entry (deviceconfig, network...) or the config root.
DEVICE_IGNORED: dict[str, str] = {
    "deviceconfig": "device management settings",
    "mgt-config": "administrator accounts",
    "platform": "platform settings",
    "readonly": "read-only bookkeeping",
    "policy": "policy container (empty in the export)",
    "panorama": "Panorama server settings of the firewall",
    "predefined": "predefined content",
    "log-collector": "log collection",
    "log-collector-group": "log collection",
    "wildfire-appliance": "WildFire appliance settings",
    "plugins": "plugins",
}

# Second word under ``network``.
NETWORK_IGNORED: dict[str, str] = {
    "ike": "IPsec IKE settings",
    "tunnel": "IPsec and GRE tunnels (their interfaces are read under interface tunnel)",
    "qos": "QoS",
    "profiles": "interface management and monitor profiles",
    "dhcp": "DHCP server and relay",
    "dns-proxy": "DNS proxy",
    "lldp": "LLDP",
    "vlan": "layer-2 VLAN objects",
    "virtual-wire": "virtual wires (transparent links: zones of type virtual-wire are reported)",
    "shared-gateway": "shared gateways",
    "gre": "GRE tunnels",
    "routing-profile": "advanced routing profiles",
    "dhcp-relay": "DHCP relay",
    "global-protect-gateway": "GlobalProtect",
    "global-protect-portal": "GlobalProtect",
    "sdwan-interface-profile": "SD-WAN",
    "vlan-interface": "VLAN interfaces settings",
    "bfd": "BFD",
    "ipv6-neighbor-discovery": "IPv6 neighbour discovery",
}

# Rulebases other than security, NAT and the default rules.
RULEBASE_IGNORED: dict[str, str] = {
    "decryption": "decryption rules inspect traffic the security rules allow",
    "qos": "QoS classification",
    "authentication": "captive-portal authentication (user mapping)",
    "tunnel-inspect": "tunnel content inspection",
    "sdwan": "SD-WAN path selection",
    "network-packet-broker": "traffic mirroring to security chains",
    "application-override": "application-override rules classify traffic for App-ID; rules that "
    "name applications are inexact anyway (their effect on ALGs is unconfirmed, VENDORS.md 5.3)",
    "captive-portal": "captive-portal authentication (user mapping)",
}
RULEBASE_UNSUPPORTED: dict[str, str] = {
    "pbf": "policy-based forwarding rules (can discard or reroute traffic) are not evaluated",
    "dos": "DoS protection rules (can deny traffic) are not evaluated",
}

# Security rule fields that do not change what a rule matches or what it does.
RULE_FIELDS_IGNORED = frozenset(
    {
        "description",
        "tag",
        "group-tag",
        "log-start",
        "log-end",
        "log-setting",
        "profile-setting",
        "option",
        "uuid",
        "qos",
        "icmp-unreachable",
        "target",
        "policy-type",
    }
)
