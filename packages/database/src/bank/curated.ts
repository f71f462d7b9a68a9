// The curated question bank shared by every tenant: a first, small set (see `pnpm db:seed`).
// Each entry: [category, question, key points].

type Entry = [category: string, question: string, keyPoints: string[]];
type RoleBank = Record<"easy" | "medium" | "hard", Entry[]>;

export const CURATED_BANK: Record<string, RoleBank> = {
  "Backend Engineer": {
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
        "Databases",
        "What is a database index and why would you add one?",
        [
          "A data structure (often a B-tree) for fast lookups",
          "Speeds reads on filtered or sorted columns",
          "Costs write speed and storage",
        ],
      ],
      [
        "HTTP",
        "What do the HTTP status code classes 2xx, 4xx and 5xx mean?",
        ["2xx success", "4xx the client's request is at fault", "5xx the server failed"],
      ],
    ],
    medium: [
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
        "Reliability",
        "How do you make a payment endpoint safe to retry?",
        [
          "Idempotency keys stored with the result",
          "Unique constraints in the database",
          "Return the original response on replay",
        ],
      ],
      [
        "Caching",
        "Compare cache-aside and write-through caching.",
        [
          "Cache-aside: the app loads on a miss",
          "Write-through: writes go through the cache",
          "Trade-offs in consistency and latency",
          "Invalidation strategy",
        ],
      ],
    ],
    hard: [
      [
        "Distributed Systems",
        "How would you guarantee exactly-once processing of messages from a queue that only delivers at least once?",
        [
          "Exactly-once delivery is impossible; aim for exactly-once effects",
          "Idempotent handlers keyed by message id",
          "Transactional outbox or dedupe table",
          "Commit effects and acknowledgement carefully",
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
        "Scalability",
        "Design rate limiting for an API served by many stateless instances.",
        [
          "Shared state in Redis or similar",
          "Token bucket or sliding window",
          "Atomic updates with Lua or transactions",
          "Return 429 with Retry-After",
        ],
      ],
    ],
  },
  "Frontend Engineer": {
    easy: [
      [
        "JavaScript",
        "What is the difference between let, const and var in JavaScript?",
        [
          "var is function-scoped and hoisted",
          "let and const are block-scoped",
          "const prevents reassignment, not mutation",
        ],
      ],
      [
        "CSS",
        "Explain the CSS box model.",
        [
          "Content, padding, border, margin",
          "box-sizing changes how width is computed",
          "Margins can collapse vertically",
        ],
      ],
      [
        "HTML",
        "Why does semantic HTML matter?",
        [
          "Accessibility for screen readers",
          "SEO and document outline",
          "Maintainability and built-in behaviour",
        ],
      ],
    ],
    medium: [
      [
        "React",
        "When would you use useMemo or useCallback in React, and when are they unnecessary?",
        [
          "Memoize expensive computations",
          "Keep stable references for memoized children or effect deps",
          "Premature use adds cost and complexity",
        ],
      ],
      [
        "Performance",
        "How would you diagnose a slow page load?",
        [
          "Measure with Lighthouse and the performance panel",
          "Look at LCP, CLS, INP",
          "Reduce bundle size, defer scripts, optimise images",
          "Check caching and server response time",
        ],
      ],
      [
        "JavaScript",
        "Explain the JavaScript event loop, including microtasks and macrotasks.",
        [
          "Call stack and task queue",
          "Microtasks (promises) run before the next task",
          "Rendering happens between tasks",
          "Long tasks block the UI",
        ],
      ],
    ],
    hard: [
      [
        "Architecture",
        "How would you design state management for a large single-page application?",
        [
          "Separate server state from UI state",
          "Normalize entities",
          "Choose local versus global state deliberately",
          "Caching and invalidation of server data",
        ],
      ],
      [
        "Security",
        "How do you prevent XSS in a modern frontend, and where do frameworks still leave gaps?",
        [
          "Escape output by default",
          "Dangerous APIs like innerHTML",
          "Content Security Policy",
          "Sanitize untrusted HTML",
        ],
      ],
      [
        "Performance",
        "Explain how you would keep a list of 100,000 rows smooth to scroll.",
        [
          "Virtualize rendering",
          "Avoid layout thrashing",
          "Memoize rows and keep keys stable",
          "Move heavy work off the main thread",
        ],
      ],
    ],
  },
  "Data Scientist": {
    easy: [
      [
        "Statistics",
        "What is the difference between mean and median, and when is the median better?",
        [
          "Mean is sensitive to outliers",
          "Median is robust for skewed data",
          "Examples such as income",
        ],
      ],
      [
        "Machine Learning",
        "What is overfitting and how can you detect it?",
        ["The model learns noise", "Gap between training and validation error", "Cross-validation"],
      ],
      [
        "Data",
        "How do you handle missing values in a dataset?",
        [
          "Understand why values are missing",
          "Drop, impute or flag",
          "Avoid leaking information from the test set",
        ],
      ],
    ],
    medium: [
      [
        "Statistics",
        "Explain p-values and a common way they are misinterpreted.",
        [
          "Probability of data at least as extreme under the null",
          "Not the probability the null is true",
          "Significance is not effect size",
        ],
      ],
      [
        "Machine Learning",
        "How do you choose an evaluation metric for an imbalanced classification problem?",
        [
          "Accuracy is misleading",
          "Precision, recall, F1, PR-AUC",
          "Tie the metric to the business cost of errors",
        ],
      ],
      [
        "Experimentation",
        "How would you design an A/B test for a new recommendation algorithm?",
        [
          "Define the primary metric and guardrails",
          "Power analysis for sample size",
          "Randomization unit",
          "Avoid peeking",
        ],
      ],
    ],
    hard: [
      [
        "Machine Learning",
        "Your model performs well offline but poorly in production. How do you investigate?",
        [
          "Training and serving skew",
          "Data drift and concept drift",
          "Leakage in offline evaluation",
          "Monitoring and shadow deployment",
        ],
      ],
      [
        "Statistics",
        "Explain the bias-variance trade-off and how regularization affects it.",
        [
          "Error decomposition",
          "Complex models have high variance",
          "Regularization adds bias to cut variance",
          "Choose strength by cross-validation",
        ],
      ],
      [
        "Causal Inference",
        "How would you estimate the effect of a feature launch when a randomized experiment is impossible?",
        [
          "Difference-in-differences",
          "Synthetic control",
          "Propensity score methods",
          "State the assumptions and check them",
        ],
      ],
    ],
  },
  "DevOps Engineer": {
    easy: [
      [
        "Linux",
        "How do you find which process is listening on a given port?",
        ["ss -ltnp or lsof -i", "Map the PID to a service", "Permissions may be needed"],
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
        "Containers",
        "What is the difference between a container image and a container?",
        [
          "An image is an immutable template",
          "A container is a running instance",
          "Layers and copy-on-write",
        ],
      ],
    ],
    medium: [
      [
        "Kubernetes",
        "What are readiness and liveness probes in Kubernetes, and what goes wrong when they are misconfigured?",
        [
          "Readiness gates traffic",
          "Liveness restarts stuck containers",
          "Liveness that checks dependencies causes cascading restarts",
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
        "Infrastructure as Code",
        "How do you manage Terraform state safely in a team?",
        [
          "Remote state with locking",
          "Separate states per environment",
          "Plan review in CI",
          "Protect secrets in state",
        ],
      ],
    ],
    hard: [
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
        "Incident Response",
        "You get paged for elevated error rates after a deploy. What do you do, step by step?",
        [
          "Assess impact",
          "Roll back first, investigate later",
          "Communicate status",
          "Blameless postmortem",
        ],
      ],
      [
        "Scalability",
        "How would you design autoscaling for a queue-based worker fleet?",
        [
          "Scale on queue depth and age",
          "Account for startup time",
          "Graceful shutdown and draining",
          "Limits of downstream dependencies",
        ],
      ],
    ],
  },
  "Product Manager": {
    easy: [
      [
        "Prioritization",
        "How do you decide what to build next?",
        ["Tie work to goals and outcomes", "Impact versus effort", "Evidence from users and data"],
      ],
      [
        "Communication",
        "How do you say no to a stakeholder's feature request?",
        [
          "Understand the underlying need",
          "Explain the trade-off against priorities",
          "Offer alternatives or timing",
        ],
      ],
      [
        "Metrics",
        "What is the difference between an output and an outcome?",
        [
          "Outputs are things shipped",
          "Outcomes are changes in user behaviour or business results",
          "Measure outcomes",
        ],
      ],
    ],
    medium: [
      [
        "Strategy",
        "How would you define success metrics for a new onboarding flow?",
        [
          "Activation definition",
          "Leading and lagging indicators",
          "Guardrail metrics",
          "Baseline before launch",
        ],
      ],
      [
        "Discovery",
        "How do you validate a problem before building a solution?",
        [
          "User interviews",
          "Look at behavioural data",
          "Cheap prototypes",
          "Falsifiable hypotheses",
        ],
      ],
      [
        "Execution",
        "A key project is slipping. What do you do?",
        [
          "Find the root cause",
          "Cut scope versus move the date",
          "Communicate early",
          "Adjust the plan with the team",
        ],
      ],
    ],
    hard: [
      [
        "Strategy",
        "How would you decide whether to build, buy or partner for a core capability?",
        [
          "Strategic differentiation",
          "Total cost of ownership",
          "Time to market",
          "Dependency and lock-in risk",
        ],
      ],
      [
        "Metrics",
        "Engagement went up but revenue went down after a launch. How do you analyse it?",
        [
          "Segment the users",
          "Check cannibalization",
          "Cohort and funnel analysis",
          "Revisit the success metric",
        ],
      ],
      [
        "Leadership",
        "How do you align several teams with conflicting roadmaps on one company goal?",
        [
          "Shared goals and metrics",
          "Make dependencies explicit",
          "Escalate trade-offs with data",
          "Regular cross-team reviews",
        ],
      ],
    ],
  },
};
