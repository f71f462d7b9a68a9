import type { RoleBank } from "../curated.ts";

// Categories: Application Security, Cryptography, Network Security, Identity & Access,
// Incident Response.
export const security: RoleBank = {
  easy: [
    [
      "Application Security",
      "What is cross-site scripting (XSS), and what are its main types?",
      [
        "Attacker-controlled script runs in other users' pages",
        "Stored, reflected and DOM-based",
        "Prevent with context-aware output encoding, plus CSP",
      ],
    ],
    [
      "Application Security",
      "What is the OWASP Top 10, and how would you use it in a development team?",
      [
        "A ranked list of common web application risks, such as broken access control and injection",
        "Useful for training and review checklists",
        "Not a complete standard: use ASVS to verify",
      ],
    ],
    [
      "Cryptography",
      "What is the difference between symmetric and asymmetric encryption?",
      [
        "Symmetric: one shared key, fast (AES)",
        "Asymmetric: a key pair, slower (RSA, elliptic curves)",
        "Hybrid use: asymmetric to agree keys, symmetric for data, as in TLS",
      ],
    ],
    [
      "Cryptography",
      "What is the difference between hashing, encryption and encoding?",
      [
        "Hashing is one-way: integrity checks, salted password storage",
        "Encryption is reversible with a key: confidentiality",
        "Encoding is reversible by anyone: no secrecy (e.g. Base64)",
      ],
    ],
    [
      "Network Security",
      "What does a firewall do, and what is the difference between stateful and stateless filtering?",
      [
        "Allows or denies traffic by address, port and protocol",
        "Stateless filters judge each packet alone",
        "Stateful filters track connections and allow replies",
        "Default deny",
      ],
    ],
    [
      "Network Security",
      "What does TLS guarantee, and what does it not protect?",
      [
        "Confidentiality and integrity in transit",
        "Server authentication through certificates and a CA chain",
        "Not the endpoints or data at rest",
      ],
    ],
    [
      "Identity & Access",
      "What is the principle of least privilege? Give an example.",
      [
        "Grant only the permissions a task needs",
        "Limits the blast radius of a compromise",
        "Example: a read-only database user for reporting",
        "Review and expire access",
      ],
    ],
    [
      "Identity & Access",
      "Why is multi-factor authentication important, and which factors are strongest?",
      [
        "Passwords alone are phished and reused",
        "Factors: something you know, have or are",
        "Phishing-resistant keys (FIDO2, WebAuthn) beat TOTP, which beats SMS",
        "Account recovery is often the weak point",
      ],
    ],
    [
      "Incident Response",
      "What are the phases of incident response?",
      [
        "Preparation",
        "Detection and analysis",
        "Containment, eradication and recovery",
        "Lessons learned",
      ],
    ],
    [
      "Incident Response",
      "What logs do you want available when investigating a security incident?",
      [
        "Authentication and access logs",
        "Network, firewall and DNS logs",
        "Application and audit logs with synchronized clocks",
        "Centralized, tamper-resistant and retained long enough",
      ],
    ],
  ],
  medium: [
    [
      "Application Security",
      "How would you run threat modeling for a new feature?",
      [
        "Diagram data flows and trust boundaries",
        "Enumerate threats, e.g. with STRIDE",
        "Rank by risk and agree mitigations",
        "Revisit as the design changes, with the developers",
      ],
    ],
    [
      "Application Security",
      "How would you add security testing to a CI pipeline without slowing developers down?",
      [
        "SAST and dependency scanning on pull requests with tuned rules",
        "Secret scanning",
        "DAST against staging on a schedule",
        "Block only on high-confidence, severe findings",
      ],
    ],
    [
      "Cryptography",
      "How should an application store its encryption keys, and how do you rotate them?",
      [
        "A KMS or HSM, never next to the data or in code",
        "Envelope encryption: data keys wrapped by a master key",
        "Key versions so old data stays readable while re-encrypting",
        "Audit key use",
      ],
    ],
    [
      "Cryptography",
      "What are common mistakes when applications use cryptography?",
      [
        "Home-made algorithms or protocols",
        "ECB mode, reused nonces, unauthenticated encryption",
        "Weak randomness for secrets",
        "Non-constant-time comparison of MACs",
      ],
    ],
    [
      "Network Security",
      "How would you segment the network of a production environment?",
      [
        "Separate zones for public, application and data tiers, default deny between them",
        "Admin access through a bastion or zero-trust access",
        "Egress filtering",
        "Monitor east-west traffic",
      ],
    ],
    [
      "Network Security",
      "How does a DDoS attack work, and how would you mitigate one?",
      [
        "Volumetric, protocol (SYN floods) and application-layer attacks",
        "Upstream scrubbing, CDN and anycast",
        "Rate limiting and caching",
        "A prepared runbook with the provider",
      ],
    ],
    [
      "Identity & Access",
      "How do OAuth 2.0 and OpenID Connect differ?",
      [
        "OAuth 2.0 delegates authorization with access tokens",
        "OIDC adds identity: an ID token and user info",
        "Use the authorization code flow with PKCE",
        "An access token is not proof of who the user is",
      ],
    ],
    [
      "Identity & Access",
      "How would you manage engineers' access to production systems?",
      [
        "SSO with MFA and role-based groups",
        "Just-in-time, time-limited elevation with approval",
        "No shared accounts; audited sessions",
        "Regular access reviews and prompt offboarding",
      ],
    ],
    [
      "Incident Response",
      "Several employees clicked a link in a phishing email. What do you do?",
      [
        "Scope it: who clicked or entered credentials",
        "Reset credentials and revoke sessions; block the sender and URLs",
        "Purge the email and look for persistence such as mailbox rules",
        "Communicate and learn from it",
      ],
    ],
    [
      "Incident Response",
      "A secret API key was committed to a public GitHub repository. Walk through your response.",
      [
        "Revoke and rotate at once: removing it from history is not enough",
        "Check usage logs for abuse",
        "Clean the history",
        "Prevent recurrence with secret scanning and push protection",
      ],
    ],
  ],
  hard: [
    [
      "Application Security",
      "How would you build an application security program for a company of 200 engineers with no security team?",
      [
        "Start from risk: an inventory of assets and threats",
        "Secure defaults and paved roads in shared frameworks",
        "Security champions and training",
        "Automated scanning, a bug bounty and metrics",
      ],
    ],
    [
      "Application Security",
      "Explain how insecure deserialization leads to remote code execution, and how to prevent it.",
      [
        "Deserializing untrusted data instantiates attacker-chosen types",
        "Gadget chains in available classes run code during deserialization",
        "Use data-only formats such as JSON with schemas",
        "Allowlist types and sign serialized data",
      ],
    ],
    [
      "Cryptography",
      "Walk through the TLS 1.3 handshake and explain how it provides forward secrecy.",
      [
        "ClientHello and ServerHello exchange ephemeral (EC)DHE key shares",
        "The certificate, CertificateVerify signature and Finished MACs authenticate the handshake",
        "Ephemeral keys mean a stolen long-term key cannot decrypt past sessions",
        "One round trip; 0-RTT data can be replayed",
      ],
    ],
    [
      "Cryptography",
      "How would you design end-to-end encryption for a messaging app?",
      [
        "Per-device key pairs; the server relays only ciphertext",
        "Key agreement (X3DH) and the Double Ratchet for forward secrecy",
        "Key verification and multi-device support",
        "Metadata and backups remain exposed",
      ],
    ],
    [
      "Network Security",
      "How would you design a zero-trust architecture to replace a VPN-based perimeter?",
      [
        "Authorize every request by identity and device posture",
        "Identity-aware proxies and mTLS between services",
        "Micro-segmentation and least privilege",
        "Migrate gradually with continuous monitoring",
      ],
    ],
    [
      "Network Security",
      "How would you detect an attacker moving laterally inside your network?",
      [
        "Baselines of normal authentication and traffic",
        "Alerts on unusual logins and credential dumping",
        "Honeypots and canary tokens",
        "Correlate endpoint and network telemetry in a SIEM",
      ],
    ],
    [
      "Identity & Access",
      "How would you design authorization for a large SaaS product with roles, sharing and custom permissions?",
      [
        "Choose RBAC, ABAC or relationship-based (Zanzibar-style) models",
        "A central policy decision service with consistent enforcement",
        "Caching and consistency for performance",
        "Audit and test policies",
      ],
    ],
    [
      "Identity & Access",
      "How would you protect a cloud environment's IAM against privilege escalation?",
      [
        "Least-privilege roles without wildcard actions",
        "Find escalation paths such as PassRole or policy attachment",
        "Organization policies and permission boundaries",
        "Alert on risky API calls; guarded break-glass accounts",
      ],
    ],
    [
      "Incident Response",
      "You discover an attacker has had access to a production server for weeks. How do you lead the response?",
      [
        "Contain while preserving evidence: memory, disk images, logs",
        "Scope lateral movement, data accessed and credentials exposed",
        "Rebuild rather than clean; rotate secrets",
        "Legal, regulatory and customer notification; postmortem",
      ],
    ],
    [
      "Incident Response",
      "How would you design detection rules that catch real attacks without flooding analysts with false positives?",
      [
        "Map rules to the techniques that matter for your environment (ATT&CK)",
        "Test them with simulated attacks",
        "Tune with context, allowlists and risk scoring",
        "Manage them as code and measure precision",
      ],
    ],
  ],
};
