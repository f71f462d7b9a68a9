import ipaddr from "ipaddr.js";

// Which addresses a webhook may reach: public unicast only. ipaddr.js names every special range
// (loopback, private, link-local incl. 169.254.169.254, unique-local, CGNAT, unspecified,
// multicast, broadcast, reserved and documentation ranges, NAT64, 6to4, Teredo …); anything it
// does not call plain `unicast` is refused, so a range it adds later is refused too.

/** IPv4-compatible IPv6 (::a.b.c.d, deprecated): ipaddr.js calls it unicast, but it embeds IPv4. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR("::/96");

/**
 * The range of a literal address, e.g. `loopback`, `private`, `unicast`; IPv4-mapped IPv6 is
 * judged as the IPv4 address it carries. Null when `ip` is not an IP literal.
 */
export function addressRange(ip: string): string | null {
  const bare = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  // Only the strict forms: WHATWG URL parsing has already turned 0x7f.1, 2130706433, 0177.0.0.1
  // and 127.1 into dotted quads; a DNS answer is always in canonical form.
  if (!ipaddr.IPv4.isValidFourPartDecimal(bare) && !ipaddr.IPv6.isValid(bare)) return null;
  const addr = ipaddr.process(bare);
  const range = addr.range();
  if (
    range === "unicast" &&
    addr.kind() === "ipv6" &&
    (addr as ipaddr.IPv6).match(IPV4_COMPATIBLE)
  ) {
    return "ipv4Compatible";
  }
  return range;
}

/** True only for a public unicast address. */
export function isPublicAddress(ip: string): boolean {
  return addressRange(ip) === "unicast";
}
