import type { RoleBank } from "../curated.ts";

// Covers SDET and test automation. Categories: Test Design, Automation, API Testing,
// Performance Testing, Quality Process.
export const qa: RoleBank = {
  easy: [
    [
      "Test Design",
      "What are equivalence partitioning and boundary value analysis?",
      [
        "Group inputs that behave alike and test one from each group",
        "Test at and just beyond each boundary",
        "Fewer cases that still catch off-by-one errors",
      ],
    ],
    [
      "Test Design",
      "What is the difference between functional and non-functional testing?",
      [
        "Functional: does it do what was specified",
        "Non-functional: performance, security, usability, reliability",
        "Both need clear acceptance criteria",
      ],
    ],
    [
      "Automation",
      "What is the test pyramid?",
      [
        "Many fast unit tests",
        "Fewer integration tests",
        "Few end-to-end UI tests, which are slow and brittle",
        "Catch each bug at the lowest level possible",
      ],
    ],
    [
      "Automation",
      "Which tests would you automate first, and which would you keep manual?",
      [
        "Automate repetitive, stable, high-risk regression checks such as smoke tests",
        "Keep exploratory and usability testing manual",
        "Weigh the cost of maintaining each test",
      ],
    ],
    [
      "API Testing",
      "How do you test a REST API endpoint?",
      [
        "Valid requests: status code and response schema",
        "Invalid input, missing auth and unknown resources",
        "Boundary values",
        "Idempotency and side effects",
      ],
    ],
    [
      "API Testing",
      "What status codes would you expect when testing a create endpoint with valid input, invalid input, and no auth token?",
      [
        "201 Created for valid input",
        "400 or 422 for invalid input",
        "401 without credentials; 403 when not allowed",
      ],
    ],
    [
      "Performance Testing",
      "What is the difference between load, stress and soak testing?",
      [
        "Load: expected traffic",
        "Stress: beyond capacity, to find the breaking point",
        "Soak: a long run to expose leaks and degradation",
        "Spike: sudden bursts",
      ],
    ],
    [
      "Performance Testing",
      "Why do performance tests report percentiles such as p95 and p99 rather than averages?",
      [
        "Averages hide slow outliers",
        "Users feel the tail, and pages make many requests",
        "Read latency together with error rates",
      ],
    ],
    [
      "Quality Process",
      "What makes a good bug report?",
      [
        "A clear title, steps to reproduce, expected and actual results",
        "Environment and version",
        "Evidence such as logs or screenshots",
        "Severity and priority",
      ],
    ],
    [
      "Quality Process",
      "What is regression testing, and when should it run?",
      [
        "Checks that existing behaviour still works after a change",
        "An automated suite in CI on every change",
        "Risk-based manual regression before a release where needed",
      ],
    ],
  ],
  medium: [
    [
      "Test Design",
      "How would you test a checkout with many combinations of discounts, taxes and shipping options?",
      [
        "Pairwise or combinatorial selection of cases",
        "Decision tables for the business rules",
        "Prioritize by risk",
        "Property-based tests for invariants such as totals",
      ],
    ],
    [
      "Test Design",
      "How do you decide what to test when there isn't time to test everything?",
      [
        "Risk: impact times likelihood",
        "Focus on what changed and the critical user paths",
        "Use production incidents and usage data",
        "Say clearly what was not tested",
      ],
    ],
    [
      "Automation",
      "How do you reduce flakiness in an end-to-end UI test suite?",
      [
        "Wait for conditions, not fixed sleeps",
        "Independent test data for each test",
        "Stable selectors such as test ids",
        "Quarantine flaky tests and fix their causes",
      ],
    ],
    [
      "Automation",
      "How would you structure a UI automation framework so that it stays maintainable as the product grows?",
      [
        "Page or screen objects that hide selectors",
        "Set up data through APIs rather than the UI",
        "Clear layers and shared helpers",
        "Parallel runs and useful reports",
      ],
    ],
    [
      "API Testing",
      "What is contract testing, and when is it better than end-to-end tests between services?",
      [
        "Consumer-driven contracts (e.g. Pact) checked against the provider",
        "Fast and independent of shared environments",
        "Catches breaking API changes early",
        "Does not test whole business flows",
      ],
    ],
    [
      "API Testing",
      "How would you test an API that processes requests asynchronously through a queue?",
      [
        "Submit, then poll for completion with a timeout instead of sleeping",
        "Check the final state and side effects",
        "Test retries, duplicates and poison messages",
        "Ordering and idempotency",
      ],
    ],
    [
      "Performance Testing",
      "How would you design a load test for an e-commerce site before a big sale?",
      [
        "A realistic mix of user journeys from analytics",
        "A production-like environment and data",
        "Ramp to the expected peak plus a margin",
        "Pass criteria and server-side monitoring to find the bottleneck",
      ],
    ],
    [
      "Performance Testing",
      "In a load test, throughput plateaus while latency keeps rising. What does that tell you?",
      [
        "Some resource is saturated",
        "Requests queue once capacity is reached",
        "Find it: CPU, connection pools, locks, thread pools",
        "Make sure the load generator is not the bottleneck",
      ],
    ],
    [
      "Quality Process",
      "How do you help a team shift testing left?",
      [
        "Review requirements and acceptance criteria early",
        "Developers own unit and integration tests; QA coaches",
        "Design for testability",
        "Fast feedback in CI",
      ],
    ],
    [
      "Quality Process",
      "What quality metrics would you track for a team, and which ones can mislead?",
      [
        "Escaped defects, change failure rate, time to restore, flaky-test rate",
        "Coverage targets invite meaningless tests",
        "Bug counts depend on how people report",
        "Watch trends, not absolute numbers",
      ],
    ],
  ],
  hard: [
    [
      "Test Design",
      "How would you use property-based testing, and what bugs does it find that example-based tests miss?",
      [
        "State invariants over generated inputs: round trips, idempotence, a reference model",
        "Shrinking yields a minimal failing case",
        "Finds edge cases such as empty, huge or unusual Unicode input",
        "Good generators and recorded seeds",
      ],
    ],
    [
      "Test Design",
      "How would you test a machine-learning feature whose outputs are not deterministic?",
      [
        "Test properties and ranges rather than exact outputs",
        "Golden datasets with metric thresholds",
        "Fix seeds where possible",
        "Human evaluation and monitoring in production",
      ],
    ],
    [
      "Automation",
      "Design a test automation strategy for a product with web, mobile and API clients released weekly.",
      [
        "Most tests at the unit and API levels, a thin UI layer per platform",
        "Shared test data and ephemeral environments",
        "Parallel runs and selection by impact",
        "Clear ownership of failures",
      ],
    ],
    [
      "Automation",
      "Your end-to-end suite takes three hours. How do you get feedback in under 15 minutes without losing coverage?",
      [
        "Push checks down to the API and unit levels",
        "Shard and parallelize",
        "Run only tests affected by the change",
        "A small smoke suite gates merges; the full suite runs nightly",
      ],
    ],
    [
      "API Testing",
      "How would you test a payment flow that spans several services and an external provider?",
      [
        "Contract tests at each boundary",
        "A provider simulator with fault injection",
        "Prove no double charge: idempotency and reconciliation",
        "Timeouts, partial failures and retries",
      ],
    ],
    [
      "API Testing",
      "How would you find security issues in an API as part of testing?",
      [
        "Authorization tests across roles and objects (IDOR)",
        "Fuzzing and injection payloads",
        "Rate limits and mass assignment",
        "DAST tools such as ZAP or Burp",
      ],
    ],
    [
      "Performance Testing",
      "How would you catch performance regressions in CI before a release?",
      [
        "A stable environment and a benchmark harness",
        "Compare against a baseline run, as ratios",
        "Small targeted tests per change, larger runs nightly",
        "Handle noise with repetitions and thresholds",
      ],
    ],
    [
      "Performance Testing",
      "How would you find the cause of a memory leak that only appears after 12 hours under load?",
      [
        "Reproduce with a soak test, tracking heap and RSS",
        "Compare heap dumps taken hours apart",
        "Suspect caches, listeners and pools",
        "Verify the fix with another long run",
      ],
    ],
    [
      "Quality Process",
      "How would you build a quality strategy for a team that deploys many times a day with no separate QA phase?",
      [
        "Automated quality gates in the pipeline",
        "Feature flags, canaries and fast rollback",
        "Monitoring and synthetic checks in production",
        "Developers own quality; QA enables",
      ],
    ],
    [
      "Quality Process",
      "After a serious bug reached production, how do you run the follow-up so it doesn't happen again?",
      [
        "Blameless root-cause analysis across the process, not just the test gap",
        "A regression test at the right level",
        "Fix systemic causes",
        "Track the actions to completion",
      ],
    ],
  ],
};
