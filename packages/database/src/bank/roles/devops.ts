import type { RoleBank } from "../curated.ts";

// Covers SRE and platform work. Categories: Linux & Networking, CI/CD, Containers (with
// Kubernetes), Infrastructure as Code, Observability, Reliability.
export const devops: RoleBank = {
  easy: [
    [
      "Linux & Networking",
      "How do you find which process is listening on a given port?",
      ["ss -ltnp or lsof -i", "Map the PID to a service", "Permissions may be needed"],
    ],
    [
      "Linux & Networking",
      "What happens during DNS resolution when a service calls api.example.com?",
      [
        "Local cache and hosts file, then a recursive resolver",
        "The resolver asks root, TLD and authoritative servers",
        "Answers are cached for their TTL",
        "Record types such as A, AAAA and CNAME",
      ],
    ],
    [
      "CI/CD",
      "What is the difference between continuous delivery and continuous deployment?",
      [
        "Delivery: always releasable, manual release",
        "Deployment: every passing change goes to production",
        "Both need automated tests",
      ],
    ],
    [
      "CI/CD",
      "What should a basic CI pipeline for a web service include?",
      [
        "Build, lint and unit tests on every push",
        "Build one versioned artifact and promote it",
        "Dependency and security scanning",
        "Fail fast with quick feedback",
      ],
    ],
    [
      "Containers",
      "What is the difference between a container image and a container?",
      [
        "An image is an immutable template",
        "A container is a running instance",
        "Layers and copy-on-write",
      ],
    ],
    [
      "Containers",
      "How do you keep Docker images small and secure?",
      [
        "Minimal base images (slim, distroless)",
        "Multi-stage builds",
        "No secrets in layers",
        "Run as non-root; scan and update regularly",
      ],
    ],
    [
      "Infrastructure as Code",
      "What is infrastructure as code, and what problems does it solve?",
      [
        "Infrastructure defined in versioned files",
        "Reproducible environments",
        "Changes reviewed like code",
        "Declarative tools describe the desired state",
      ],
    ],
    [
      "Infrastructure as Code",
      "What is configuration drift, and how do you detect and prevent it?",
      [
        "Real infrastructure diverges from the code through manual changes",
        "Detect with scheduled plans or config management runs",
        "Prevent by restricting console changes and using immutable infrastructure",
      ],
    ],
    [
      "Observability",
      "What is the difference between logs, metrics and traces?",
      [
        "Logs: detailed discrete events",
        "Metrics: cheap numeric aggregates over time, good for alerting",
        "Traces: one request's path across services",
        "Correlate them with shared ids",
      ],
    ],
    [
      "Observability",
      "What are the four golden signals of monitoring?",
      ["Latency", "Traffic", "Errors", "Saturation"],
    ],
    [
      "Reliability",
      "What are SLIs, SLOs and error budgets?",
      [
        "SLI: a measured indicator, e.g. the share of successful requests",
        "SLO: a target for it over a window, e.g. 99.9% over 30 days",
        "Error budget: the unreliability the SLO allows",
        "The budget balances release speed against stability",
      ],
    ],
    [
      "Reliability",
      "What is the difference between high availability and disaster recovery?",
      [
        "HA keeps serving through component failures with redundancy and failover",
        "DR restores service after a major loss such as a region",
        "RPO and RTO set the DR targets",
        "Backups must be tested",
      ],
    ],
  ],
  medium: [
    [
      "Linux & Networking",
      "A Linux server is slow. Which commands and metrics do you check first?",
      [
        "CPU and load (top, uptime)",
        "Memory and swap (free, vmstat)",
        "Disk I/O and space (iostat, df)",
        "Network (ss, sar); a method such as USE",
      ],
    ],
    [
      "Linux & Networking",
      "How does TLS termination at a load balancer work, and what are its security trade-offs?",
      [
        "The load balancer decrypts and forwards requests",
        "Traffic behind it is plaintext unless re-encrypted",
        "Certificates are managed in one place and renewed automatically",
        "Forward client details in headers such as X-Forwarded-For",
      ],
    ],
    [
      "CI/CD",
      "How would you implement blue-green and canary deployments, and when would you choose each?",
      [
        "Blue-green: two environments, switch traffic, instant rollback, double resources",
        "Canary: a small share of traffic first, widened gradually",
        "Automatic rollback on SLO breaches",
        "Database changes must work with both versions",
      ],
    ],
    [
      "CI/CD",
      "How do you handle secrets in a CI/CD pipeline?",
      [
        "A secret store, injected at runtime and masked in logs",
        "OIDC federation instead of long-lived cloud keys",
        "Least privilege per pipeline and environment",
        "Keep secrets away from builds of untrusted pull requests",
      ],
    ],
    [
      "Containers",
      "What are readiness and liveness probes in Kubernetes, and what goes wrong when they are misconfigured?",
      [
        "Readiness gates traffic",
        "Liveness restarts stuck containers",
        "Liveness that checks dependencies causes cascading restarts",
      ],
    ],
    [
      "Containers",
      "How do Kubernetes resource requests and limits work, and what happens when a pod exceeds its memory limit?",
      [
        "Requests drive scheduling",
        "CPU over the limit is throttled",
        "Memory over the limit gets the container OOM-killed",
        "Set requests from measured usage; QoS classes follow",
      ],
    ],
    [
      "Infrastructure as Code",
      "How do you manage Terraform state safely in a team?",
      [
        "Remote state with locking",
        "Separate states per environment",
        "Plan review in CI",
        "Protect secrets in state",
      ],
    ],
    [
      "Infrastructure as Code",
      "How would you structure Terraform code for many environments and teams?",
      [
        "Reusable, versioned modules",
        "Separate state per environment and component to limit blast radius",
        "Policy checks in CI",
        "Plans reviewed before apply",
      ],
    ],
    [
      "Observability",
      "How would you set up alerting that wakes people only for real problems?",
      [
        "Alert on symptoms and SLOs",
        "Burn-rate alerts",
        "Route by severity",
        "Review noisy alerts",
      ],
    ],
    [
      "Observability",
      "How would you add distributed tracing to a system of microservices?",
      [
        "Instrument with OpenTelemetry",
        "Propagate trace context through HTTP calls and queues",
        "Choose head or tail sampling",
        "Put trace ids in logs",
      ],
    ],
    [
      "Reliability",
      "How do you plan and test backups so that you can actually restore them?",
      [
        "Define RPO and RTO",
        "Automated backups with point-in-time recovery and off-site, immutable copies",
        "Regular restore drills that measure the time taken",
        "Alert when a backup fails",
      ],
    ],
    [
      "Reliability",
      "How do you stop one failing dependency from taking down your service?",
      [
        "Timeouts on every call",
        "Limited retries with backoff and jitter",
        "Circuit breakers and bulkheads",
        "Graceful degradation",
      ],
    ],
  ],
  hard: [
    [
      "Linux & Networking",
      "Clients intermittently get connection timeouts to a service behind a load balancer. How do you debug it?",
      [
        "Narrow it down: which clients, zones and backends",
        "Load balancer metrics, health checks and connection limits",
        "Ephemeral port or conntrack exhaustion; idle timeout mismatches with keep-alive",
        "Packet captures",
      ],
    ],
    [
      "Linux & Networking",
      "What happens in the Linux kernel when a container's memory cgroup reaches its limit?",
      [
        "The kernel reclaims page cache first",
        "Then the OOM killer kills a process inside the cgroup",
        "memory.high throttles; memory.max is the hard limit",
        "Page cache counts toward usage, which misleads dashboards",
      ],
    ],
    [
      "CI/CD",
      "Design a deployment pipeline for 50 microservices that lets teams deploy independently many times a day.",
      [
        "Per-service pipelines from shared templates",
        "Automated tests including contract tests",
        "Progressive delivery with automatic rollback",
        "GitOps with an audit trail",
      ],
    ],
    [
      "CI/CD",
      "How would you secure the software supply chain from commit to production?",
      [
        "Signed artifacts and build provenance (Sigstore, SLSA)",
        "Pinned, scanned dependencies and an SBOM",
        "Hardened, ephemeral build runners",
        "Admission control that verifies signatures",
      ],
    ],
    [
      "Containers",
      "How would you design autoscaling for a queue-based worker fleet?",
      [
        "Scale on queue depth and age",
        "Account for startup time",
        "Graceful shutdown and draining",
        "Limits of downstream dependencies",
      ],
    ],
    [
      "Containers",
      "How does Kubernetes networking get a request from an external client to a pod?",
      [
        "An ingress or LoadBalancer service brings traffic to the nodes",
        "A Service's virtual IP is routed by kube-proxy (iptables, IPVS) or eBPF",
        "The CNI plugin gives every pod a routable IP",
        "Cluster DNS and network policies",
      ],
    ],
    [
      "Infrastructure as Code",
      "How would you safely split a large Terraform state that manages production?",
      [
        "Move resources with moved blocks, state mv or import",
        "The plan must show no changes before apply",
        "Back up and lock the state",
        "Proceed in small steps",
      ],
    ],
    [
      "Infrastructure as Code",
      "How would you enforce security and cost policies on every infrastructure change?",
      [
        "Policy as code in CI (OPA, Sentinel, Checkov)",
        "Organization-level guardrails in the cloud",
        "Mandatory tags, budgets and alerts",
        "A clear exceptions process",
      ],
    ],
    [
      "Observability",
      "Your metrics bill doubled because of high-cardinality labels. How do you fix it without losing insight?",
      [
        "Find the series with the most label values",
        "Move unbounded labels such as user ids to logs and traces",
        "Aggregate with recording rules or drop at ingestion",
        "Guidelines and limits for new metrics",
      ],
    ],
    [
      "Observability",
      "How would you define SLOs for a service with several critical user journeys, and alert on them?",
      [
        "SLIs per journey from the user's point of view",
        "Targets and windows agreed with product",
        "Multi-window, multi-burn-rate alerts",
        "An error-budget policy",
      ],
    ],
    [
      "Reliability",
      "Walk through how you would run a zero-downtime database schema migration.",
      [
        "Expand and contract",
        "Backward-compatible steps",
        "Backfill in batches",
        "Deploy code and schema separately",
      ],
    ],
    [
      "Reliability",
      "You get paged for elevated error rates after a deploy. What do you do, step by step?",
      [
        "Assess impact",
        "Roll back first, investigate later",
        "Communicate status",
        "Blameless postmortem",
      ],
    ],
  ],
};
