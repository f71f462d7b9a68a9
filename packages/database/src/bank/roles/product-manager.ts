import type { RoleBank } from "../curated.ts";

// Categories: Prioritization, Metrics, Discovery, Stakeholders, Strategy.
export const productManager: RoleBank = {
  easy: [
    [
      "Prioritization",
      "How do you decide what to build next?",
      ["Tie work to goals and outcomes", "Impact versus effort", "Evidence from users and data"],
    ],
    [
      "Prioritization",
      "What is the RICE framework, and what are its limitations?",
      [
        "Reach, Impact, Confidence, Effort",
        "Makes assumptions explicit and comparable",
        "Estimates are subjective",
        "Ignores strategy and dependencies",
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
    [
      "Metrics",
      "What is a North Star metric? Give an example.",
      [
        "One metric for the value customers get that predicts long-term success",
        "Example: nights booked for a travel marketplace",
        "Supported by input metrics teams can move",
      ],
    ],
    [
      "Discovery",
      "How do you run a good user interview?",
      [
        "Ask about past behaviour, not hypotheticals",
        "No leading questions and no pitching",
        "Dig into why",
        "Synthesize patterns across interviews",
      ],
    ],
    [
      "Discovery",
      "What is a minimum viable product, and what is it not?",
      [
        "The smallest thing that tests a key hypothesis with real users",
        "A learning goal, not a half-built product",
        "Can be non-software: a landing page, a concierge service",
      ],
    ],
    [
      "Stakeholders",
      "How do you say no to a stakeholder's feature request?",
      [
        "Understand the underlying need",
        "Explain the trade-off against priorities",
        "Offer alternatives or timing",
      ],
    ],
    [
      "Stakeholders",
      "How do you keep stakeholders informed about a project's progress?",
      [
        "A regular cadence suited to each audience",
        "Progress against plan, risks and decisions needed",
        "No surprises: share bad news early",
      ],
    ],
    [
      "Strategy",
      "What is a product vision, and how is it different from a roadmap?",
      [
        "Vision: the long-term future you aim for, and why",
        "Roadmap: a sequence of problems and bets toward it",
        "The roadmap changes far more often",
      ],
    ],
    [
      "Strategy",
      "How would you assess the competition for a new product?",
      [
        "Direct and indirect competitors, including doing nothing",
        "Compare on customer jobs, not feature checklists",
        "Find your differentiation and positioning",
      ],
    ],
  ],
  medium: [
    [
      "Prioritization",
      "How do you balance technical debt against new features on the roadmap?",
      [
        "Make the cost of debt visible: speed, incidents",
        "Reserve capacity or tie debt work to features",
        "Prioritize debt that blocks strategy",
        "Decide with engineering",
      ],
    ],
    [
      "Prioritization",
      "Sales asks for a feature that one large customer needs. How do you decide?",
      [
        "Understand the need and the revenue at stake",
        "Does it generalize to other customers and the strategy",
        "Full cost, including maintenance",
        "Alternatives: configuration, services, partners",
      ],
    ],
    [
      "Metrics",
      "How would you define success metrics for a new onboarding flow?",
      [
        "Activation definition",
        "Leading and lagging indicators",
        "Guardrail metrics",
        "Baseline before launch",
      ],
    ],
    [
      "Metrics",
      "Daily active users dropped 10% week over week. How do you investigate?",
      [
        "Rule out tracking and data problems first",
        "Segment by platform, region, new versus returning, app version",
        "Internal changes versus external causes such as seasonality or outages",
        "Form hypotheses and test them",
      ],
    ],
    [
      "Discovery",
      "How do you validate a problem before building a solution?",
      ["User interviews", "Look at behavioural data", "Cheap prototypes", "Falsifiable hypotheses"],
    ],
    [
      "Discovery",
      "How do you turn customer feedback from many channels into product decisions?",
      [
        "Centralize and tag feedback",
        "Look for underlying problems; weight by segment",
        "Combine with quantitative data",
        "Close the loop with customers",
      ],
    ],
    [
      "Stakeholders",
      "A key project is slipping. What do you do?",
      [
        "Find the root cause",
        "Cut scope versus move the date",
        "Communicate early",
        "Adjust the plan with the team",
      ],
    ],
    [
      "Stakeholders",
      "How do you handle a disagreement with engineering about an estimate or a technical approach?",
      [
        "Understand their reasons and constraints",
        "Discuss trade-offs and scope options",
        "Respect technical ownership",
        "Decide together based on outcomes",
      ],
    ],
    [
      "Strategy",
      "How would you decide whether to enter a new market segment?",
      [
        "Market size and growth; validated customer need",
        "Your right to win",
        "Cost to current focus",
        "A small experiment before committing",
      ],
    ],
    [
      "Strategy",
      "Should a new feature be included in existing plans or charged for separately? How do you decide?",
      [
        "Value delivered and willingness to pay by segment",
        "Packaging: tiers or an add-on",
        "Effect on adoption and churn",
        "Test and measure",
      ],
    ],
  ],
  hard: [
    [
      "Prioritization",
      "You have three teams and ten top-priority initiatives from leadership. How do you build the plan?",
      [
        "Tie initiatives to company goals and expected impact",
        "Capacity and dependencies",
        "Make trade-offs explicit, including what will not happen",
        "Get leadership to agree on the ranking",
      ],
    ],
    [
      "Prioritization",
      "How do you prioritize for a new product with few users and little data?",
      [
        "Qualitative evidence and direct customer conversations",
        "Tackle the riskiest assumptions first",
        "Fast, cheap experiments",
        "Name strategic bets as bets",
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
      "Metrics",
      "How would you design a metrics framework for a marketplace with buyers and sellers?",
      [
        "A North Star capturing value for both sides, e.g. successful transactions",
        "Liquidity and health metrics for supply and demand",
        "Guardrails: quality, fraud, take rate",
        "Segment by market",
      ],
    ],
    [
      "Discovery",
      "How would you find new opportunities for a mature product whose growth has stalled?",
      [
        "Find where value breaks in the funnel and retention",
        "Research non-users and churned users",
        "Adjacent jobs and segments",
        "Test bets with experiments",
      ],
    ],
    [
      "Discovery",
      "How do you know a discovery effort has enough evidence to commit a team to building?",
      [
        "Value, usability, feasibility and viability risks addressed",
        "Evidence from behaviour, not opinions",
        "Decision criteria set in advance",
        "Reversible decisions need less evidence",
      ],
    ],
    [
      "Stakeholders",
      "How do you align several teams with conflicting roadmaps on one company goal?",
      [
        "Shared goals and metrics",
        "Make dependencies explicit",
        "Escalate trade-offs with data",
        "Regular cross-team reviews",
      ],
    ],
    [
      "Stakeholders",
      "An executive insists on a feature you believe is wrong for users. How do you handle it?",
      [
        "Understand the goal and what they know",
        "Bring evidence and propose a test",
        "Disagree and commit once decided, with risks written down",
        "Protect the relationship",
      ],
    ],
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
      "Strategy",
      "A well-funded competitor launches a cheaper version of your core product. How do you respond?",
      [
        "Find which segments are at risk and why they would switch",
        "Avoid a reflexive price war; lean into differentiation",
        "Consider a lower tier",
        "Watch churn signals closely",
      ],
    ],
  ],
};
