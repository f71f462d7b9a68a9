import type { RoleBank } from "../curated.ts";

// Categories: APIs, Databases, System Design, Concurrency, Security, Testing.
export const backend: RoleBank = {
  easy: [
    [
      "APIs",
      "What is the difference between PUT and PATCH in a REST API?",
      [
        "PUT replaces the whole resource",
        "PATCH applies a partial update",
        "PUT is idempotent by definition",
      ],
    ],
    [
      "APIs",
      "What do the HTTP status code classes 2xx, 4xx and 5xx mean?",
      ["2xx success", "4xx the client's request is at fault", "5xx the server failed"],
    ],
    [
      "Databases",
      "What is a database index and why would you add one?",
      [
        "A data structure (often a B-tree) for fast lookups",
        "Speeds reads on filtered or sorted columns",
        "Costs write speed and storage",
      ],
    ],
    [
      "Databases",
      "What does ACID mean for a database transaction, and why does it matter?",
      [
        "Atomicity: all of the transaction or none of it",
        "Consistency: constraints hold before and after",
        "Isolation: concurrent transactions do not see each other's partial work",
        "Durability: committed data survives a crash",
      ],
    ],
    [
      "System Design",
      "What is the difference between horizontal and vertical scaling?",
      [
        "Vertical: a bigger machine, simple but capped and costly",
        "Horizontal: more machines behind a load balancer",
        "Horizontal scaling needs stateless services or shared state",
        "Horizontal scaling also improves availability",
      ],
    ],
    [
      "System Design",
      "What does a load balancer do, and what are its health checks for?",
      [
        "Spreads requests across instances",
        "Algorithms such as round robin or least connections",
        "Health checks take failing instances out of rotation",
        "Often terminates TLS",
      ],
    ],
    [
      "Concurrency",
      "What is the difference between a process and a thread?",
      [
        "A process has its own memory space",
        "Threads share the memory of their process",
        "Threads are cheaper but need synchronization",
        "Process isolation contains crashes",
      ],
    ],
    [
      "Concurrency",
      "What is a race condition? Give an example from a web backend.",
      [
        "The result depends on the timing of interleaved operations",
        "Example: two requests read, modify and write the same balance",
        "Fix with atomic operations, locks or database constraints",
      ],
    ],
    [
      "Security",
      "Why should passwords be hashed with bcrypt or Argon2 rather than SHA-256?",
      [
        "Fast hashes allow billions of guesses per second",
        "Slow hashes have a tunable work factor",
        "A per-password salt defeats precomputed tables",
        "Never store passwords in plaintext or reversibly encrypted",
      ],
    ],
    [
      "Security",
      "What is SQL injection and how do you prevent it?",
      [
        "Untrusted input concatenated into SQL changes the query",
        "Use parameterized queries or prepared statements",
        "Least-privilege database accounts limit the damage",
        "Input validation is defence in depth, not the fix",
      ],
    ],
    [
      "Testing",
      "What is the difference between unit tests and integration tests?",
      [
        "Unit tests check one unit in isolation and run fast",
        "Integration tests run components together, e.g. with a real database",
        "Integration tests catch wiring and configuration errors",
        "Keep most tests fast, enough integration tests for confidence",
      ],
    ],
    [
      "Testing",
      "What makes a test flaky, and why are flaky tests harmful?",
      [
        "Dependence on timing, test order, shared state or the network",
        "People learn to ignore failures and real bugs slip through",
        "Fix the cause: control time, isolate data, wait for conditions instead of sleeping",
      ],
    ],
  ],
  medium: [
    [
      "APIs",
      "How do you make a payment endpoint safe to retry?",
      [
        "Idempotency keys stored with the result",
        "Unique constraints in the database",
        "Return the original response on replay",
      ],
    ],
    [
      "APIs",
      "How would you paginate an API over a large table that changes while clients page through it?",
      [
        "Offset pagination gets slow deep in the table and skips or repeats rows on inserts",
        "Cursor (keyset) pagination on a stable, unique sort key",
        "Return an opaque cursor token",
        "Cap the page size",
      ],
    ],
    [
      "Databases",
      "How would you find and fix an N+1 query problem?",
      [
        "Spot one query per row in logs or an APM",
        "Batch with joins or IN queries",
        "Use eager loading in the ORM",
        "Verify with query counts in tests",
      ],
    ],
    [
      "Databases",
      "Explain the SQL transaction isolation levels and an anomaly each one prevents.",
      [
        "Read committed prevents dirty reads",
        "Repeatable read prevents non-repeatable reads",
        "Serializable also prevents phantoms and write skew",
        "Stronger isolation costs throughput and needs retries on conflicts",
      ],
    ],
    [
      "System Design",
      "Compare cache-aside and write-through caching.",
      [
        "Cache-aside: the app loads on a miss",
        "Write-through: writes go through the cache",
        "Trade-offs in consistency and latency",
        "Invalidation strategy",
      ],
    ],
    [
      "System Design",
      "How would you send email notifications reliably without slowing down the request that triggers them?",
      [
        "Enqueue the work and answer the request at once",
        "Workers retry with backoff and a dead-letter queue",
        "A transactional outbox so no message is lost or sent for a rolled-back change",
        "Idempotent sending keyed by message id",
      ],
    ],
    [
      "Concurrency",
      "Two requests try to book the last seat at the same moment. How do you prevent a double booking?",
      [
        "An atomic conditional update, e.g. UPDATE … WHERE seats_left > 0",
        "Or a unique constraint on the seat",
        "Or SELECT … FOR UPDATE, or optimistic locking with a version column and retry",
        "A check in application code alone is not enough",
      ],
    ],
    [
      "Concurrency",
      "How does a database connection pool work, and what goes wrong when it is too small or too large?",
      [
        "Reuses open connections to avoid setup cost",
        "Too small: requests queue and time out waiting for a connection",
        "Too large: the database drowns in connections and contention",
        "Size it against database capacity times the number of instances",
      ],
    ],
    [
      "Security",
      "How would you authenticate requests to an API used by both a web app and mobile apps?",
      [
        "Short-lived access tokens plus refresh tokens",
        "httpOnly cookies on the web, the keychain or keystore on mobile",
        "Revocation and refresh-token rotation",
        "OAuth 2.0 / OIDC with PKCE, HTTPS only",
      ],
    ],
    [
      "Security",
      "How should a backend service store and rotate secrets such as database passwords and API keys?",
      [
        "Never in code or the repository",
        "A secret manager or injection at runtime",
        "Separate least-privilege credentials per service",
        "Rotate without downtime by accepting two credentials during the switch",
      ],
    ],
    [
      "Testing",
      "How do you test code that depends on the current time or on randomness?",
      [
        "Inject a clock and a random source",
        "Fixed seeds for reproducibility",
        "Fake timers instead of real sleeps",
      ],
    ],
    [
      "Testing",
      "How would you test a service that calls a third-party payment API?",
      [
        "Wrap the provider behind an adapter",
        "A fake server or recorded responses in integration tests",
        "Test failures: timeouts, 5xx, duplicate callbacks",
        "The provider's sandbox for a few end-to-end checks",
      ],
    ],
  ],
  hard: [
    [
      "APIs",
      "Design rate limiting for an API served by many stateless instances.",
      [
        "Shared state in Redis or similar",
        "Token bucket or sliding window",
        "Atomic updates with Lua or transactions",
        "Return 429 with Retry-After",
      ],
    ],
    [
      "APIs",
      "How would you evolve a public API used by thousands of clients without breaking them?",
      [
        "Prefer additive, backward-compatible changes",
        "A versioning scheme and a published deprecation policy",
        "Clients that ignore unknown fields",
        "Measure who still uses old versions before removing them",
      ],
    ],
    [
      "Databases",
      "Explain how MVCC works in PostgreSQL and what problems long-running transactions cause.",
      [
        "Row versions with xmin/xmax",
        "Snapshots decide visibility",
        "Long transactions block vacuum",
        "Table and index bloat, wraparound risk",
      ],
    ],
    [
      "Databases",
      "How would you shard a large relational database, and what do you give up by doing so?",
      [
        "A shard key that matches access patterns and spreads load evenly",
        "Cross-shard joins and transactions become hard",
        "A plan for resharding (directory or consistent hashing)",
        "Global IDs and much more operational work",
      ],
    ],
    [
      "System Design",
      "How would you guarantee exactly-once processing of messages from a queue that only delivers at least once?",
      [
        "Exactly-once delivery is impossible; aim for exactly-once effects",
        "Idempotent handlers keyed by message id",
        "Transactional outbox or dedupe table",
        "Commit effects and acknowledgement carefully",
      ],
    ],
    [
      "System Design",
      "Design a scheduler that runs millions of delayed tasks reliably across many workers.",
      [
        "Durable task storage indexed by due time",
        "Workers claim tasks atomically with leases (e.g. SKIP LOCKED)",
        "Retries with backoff and idempotent tasks",
        "Partitioning and monitoring of lag",
      ],
    ],
    [
      "Concurrency",
      "How would you implement a distributed lock, and why is a lock with a timeout not enough for mutual exclusion?",
      [
        "A lease in Redis, etcd or ZooKeeper",
        "A paused process (GC, network) can outlive its lease, so two holders act at once",
        "Fencing tokens checked by the protected resource",
        "Prefer designs that are safe without the lock",
      ],
    ],
    [
      "Concurrency",
      "A service's p99 latency spikes under load while CPU stays low. How do you find the cause?",
      [
        "Suspect waiting: lock contention, exhausted pools, I/O, GC pauses",
        "Measure with profiles, thread dumps, pool metrics and traces",
        "Queueing near saturation makes latency explode",
        "Bound concurrency, add timeouts and backpressure",
      ],
    ],
    [
      "Security",
      "How would you make sure one tenant of a multi-tenant service can never read another tenant's data?",
      [
        "Tenant scoping enforced centrally, e.g. row-level security",
        "Separate schemas or databases when stronger isolation is worth the cost",
        "Object-level authorization checks and tests for them",
        "Tenant-aware caches, logs and encryption keys",
      ],
    ],
    [
      "Security",
      "How would you protect a service that must fetch user-supplied URLs from server-side request forgery?",
      [
        "Allow only expected schemes and ports",
        "Resolve the name and refuse private, loopback, link-local and metadata addresses",
        "Check again at connect time against DNS rebinding; limit redirects",
        "Run the fetcher in a network segment without internal access",
      ],
    ],
    [
      "Testing",
      "How would you test that a distributed system stays correct under network partitions and crashes?",
      [
        "Inject faults: drop, delay and partition traffic; kill processes",
        "State invariants and check recorded histories (Jepsen-style)",
        "Deterministic simulation with seeds to reproduce failures",
        "Run it continuously, not once",
      ],
    ],
    [
      "Testing",
      "How do you build confidence in a large refactoring of a critical service with poor test coverage?",
      [
        "Characterization tests that pin current behaviour",
        "Shadow traffic comparing old and new outputs",
        "Small steps behind feature flags",
        "Canary releases watched on metrics",
      ],
    ],
  ],
};
