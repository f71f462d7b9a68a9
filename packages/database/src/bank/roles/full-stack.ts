import type { RoleBank } from "../curated.ts";

// Categories: Frontend, APIs, Databases, System Design, Security.
export const fullStack: RoleBank = {
  easy: [
    [
      "Frontend",
      "What happens between typing a URL into the browser and seeing the page?",
      [
        "DNS lookup, then a TCP and TLS connection",
        "HTTP request and response",
        "Parse HTML, fetch CSS and JavaScript, build the DOM",
        "Layout, paint and script execution",
      ],
    ],
    [
      "Frontend",
      "Why do you need both client-side and server-side form validation?",
      [
        "Client-side validation gives fast feedback",
        "Server-side validation is the real check: clients can be bypassed",
        "Share one schema to keep them consistent",
      ],
    ],
    [
      "APIs",
      "What are the main differences between REST and GraphQL?",
      [
        "REST: resources at many endpoints, HTTP caching",
        "GraphQL: one endpoint, the client chooses fields",
        "GraphQL avoids over- and under-fetching",
        "GraphQL costs: caching, N+1 resolvers, query cost limits",
      ],
    ],
    [
      "APIs",
      "Why should GET requests be safe and idempotent?",
      [
        "GET must not change state",
        "Caches, prefetchers, crawlers and retries may repeat it",
        "Use POST, PUT, PATCH or DELETE for changes",
      ],
    ],
    [
      "Databases",
      "When would you choose a relational database over a document database?",
      [
        "Relational: structured data, joins, transactions, constraints",
        "Document: data read and written as one aggregate, flexible shape",
        "Decide from query patterns and consistency needs",
      ],
    ],
    [
      "Databases",
      "What is a foreign key, and what does ON DELETE CASCADE do?",
      [
        "Ensures a reference points at an existing row",
        "CASCADE deletes child rows with their parent",
        "Alternatives: RESTRICT or SET NULL",
        "Large cascades can be slow and surprising",
      ],
    ],
    [
      "System Design",
      "What is the difference between a monolith and microservices, and which would you start a new product with?",
      [
        "A monolith is one deployable: simple to build and run",
        "Microservices deploy and scale independently but add network failures and operations",
        "Start with a modular monolith, split when there is a reason",
      ],
    ],
    [
      "System Design",
      "What is a CDN, and what should you serve through it?",
      [
        "Edge caches close to users cut latency",
        "Static assets with hashed names and long cache lifetimes",
        "Some API responses, with care",
        "Plan how to invalidate",
      ],
    ],
    [
      "Security",
      "What is the difference between authentication and authorization?",
      [
        "Authentication: who you are",
        "Authorization: what you may do",
        "Check authorization on the server for every request",
        "401 versus 403",
      ],
    ],
    [
      "Security",
      "Why use HTTPS everywhere, even on pages without sensitive data?",
      [
        "Stops eavesdropping and tampering such as injected scripts",
        "Protects cookies and sessions",
        "HSTS prevents downgrades",
        "Modern browser features require it",
      ],
    ],
  ],
  medium: [
    [
      "Frontend",
      "How would you implement an optimistic update for a like button, and handle failures?",
      [
        "Update the UI at once and send the request",
        "Roll back and tell the user on failure",
        "Reconcile with the server's answer",
        "Make the endpoint idempotent so rapid clicks are harmless",
      ],
    ],
    [
      "Frontend",
      "How would you let users upload very large files from the browser?",
      [
        "Upload straight to object storage with pre-signed URLs",
        "Chunked, resumable uploads with progress and retries",
        "Check type and size on the server",
        "Scan uploads before use",
      ],
    ],
    [
      "APIs",
      "How do you share types and validation between a TypeScript frontend and backend?",
      [
        "A shared package of schemas that types are inferred from",
        "Or clients generated from an OpenAPI or GraphQL schema",
        "The server still validates every request",
        "Keep changes compatible when the two deploy separately",
      ],
    ],
    [
      "APIs",
      "How should an API report errors so that clients can handle them well?",
      [
        "Correct status codes",
        "A structured body with a machine-readable code (e.g. problem+json)",
        "Field-level validation details",
        "No stack traces or secrets; include a request id",
      ],
    ],
    [
      "Databases",
      "How would you model users, teams and roles when a user can belong to several teams?",
      [
        "A membership join table with a role column",
        "Foreign keys and a unique (user, team) pair",
        "Indexes for lookups in both directions",
        "Consider history or soft deletes",
      ],
    ],
    [
      "Databases",
      "When would you denormalize data, and how do you keep the copies consistent?",
      [
        "When read-heavy queries need too many joins",
        "Update copies in the same transaction, by triggers or by events",
        "Accept eventual consistency with a rebuild job",
        "Measure before denormalizing",
      ],
    ],
    [
      "System Design",
      "How would you push real-time updates to a web app: polling, long polling, server-sent events or WebSockets?",
      [
        "Polling is simple but wasteful",
        "SSE: one-way push over HTTP with automatic reconnection",
        "WebSockets: two-way, stateful connections the load balancer must support",
        "Handle reconnects and missed messages",
      ],
    ],
    [
      "System Design",
      "How would you add full-text search to an app backed by PostgreSQL?",
      [
        "Postgres full-text search with tsvector and a GIN index for moderate needs",
        "A search engine such as OpenSearch for relevance, facets and scale",
        "Keep the index in sync by events or change data capture",
        "Plan reindexing",
      ],
    ],
    [
      "Security",
      "How would you implement a secure forgot-password flow?",
      [
        "A random, single-use, short-lived token stored hashed",
        "The same response whether or not the email exists",
        "Rate limiting",
        "End other sessions after the reset",
      ],
    ],
    [
      "Security",
      "How do you stop users from reading other users' records by changing an id in the URL?",
      [
        "This is an insecure direct object reference",
        "Check authorization on every object access",
        "Scope queries to the current user or tenant",
        "Unguessable ids alone are not a fix",
      ],
    ],
  ],
  hard: [
    [
      "Frontend",
      "Design offline support for a web app in which users can edit data without a connection.",
      [
        "A service worker caches the app shell",
        "IndexedDB for data and a queue of pending changes",
        "Sync with conflict resolution: last write wins, merging or CRDTs",
        "Show the sync state to the user",
      ],
    ],
    [
      "Frontend",
      "How would you move a large server-rendered app to a modern frontend framework without a big-bang rewrite?",
      [
        "Strangler approach: route by route or widget by widget",
        "Shared authentication, session and design system",
        "Keep SEO and performance measured throughout",
        "Retire old code as each part moves",
      ],
    ],
    [
      "APIs",
      "How would you design outgoing webhooks for your product?",
      [
        "Signed payloads with a timestamp",
        "Retries with exponential backoff and stable event ids",
        "Per-endpoint queues so one slow receiver blocks no one",
        "Delivery logs, replay and protection against SSRF",
      ],
    ],
    [
      "APIs",
      "How would you design an API that lets clients sync large datasets incrementally?",
      [
        "A change feed with a cursor or sequence number",
        "Tombstones for deletions",
        "A full resync when a cursor is too old",
        "Stable ordering across pages",
      ],
    ],
    [
      "Databases",
      "A query that took 10 ms now takes 5 s in production. How do you investigate?",
      [
        "EXPLAIN ANALYZE to see whether the plan changed",
        "Stale statistics, data growth or a missing index",
        "Lock contention or bloat",
        "Slow-query monitoring to catch regressions",
      ],
    ],
    [
      "Databases",
      "How would you implement soft deletes and an audit history for a regulated application?",
      [
        "History tables or an append-only event log recording who, when and what",
        "Queries and unique constraints that ignore deleted rows (partial indexes)",
        "Retention rules",
        "Reconcile with legal erasure requests",
      ],
    ],
    [
      "System Design",
      "Design a collaborative document editor like Google Docs at a high level.",
      [
        "Operational transformation or CRDTs for concurrent edits",
        "WebSocket sessions per document, with presence",
        "Snapshots plus an operation log for storage",
        "Route each document to one server or shard",
      ],
    ],
    [
      "System Design",
      "Design a notification system for in-app, email and push notifications that respects user preferences.",
      [
        "Events feed one notification service",
        "Preferences, deduplication and digests",
        "Per-channel workers with retries and provider failover",
        "In-app store with read state and real-time push",
      ],
    ],
    [
      "Security",
      "How would you design sessions that support 'log out of all devices' and detect stolen sessions?",
      [
        "Server-side sessions or a token version per user",
        "Refresh-token rotation with reuse detection",
        "Device metadata and anomaly checks",
        "Short-lived access tokens",
      ],
    ],
    [
      "Security",
      "How would you handle secrets and personal data across frontend, backend, logs and analytics?",
      [
        "Classify the data first",
        "Secrets never reach the client",
        "Redact logs and scrub analytics events",
        "Encrypt, restrict access and set retention",
      ],
    ],
  ],
};
