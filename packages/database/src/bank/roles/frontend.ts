import type { RoleBank } from "../curated.ts";

// Categories: JavaScript, HTML & CSS (with accessibility), React, Performance, Architecture,
// Security.
export const frontend: RoleBank = {
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
      "JavaScript",
      "What is a closure in JavaScript, and where is it useful?",
      [
        "A function keeps access to the scope it was created in",
        "Used for private state, factories and callbacks",
        "Pitfall: capturing a variable that later changes",
      ],
    ],
    [
      "HTML & CSS",
      "Explain the CSS box model.",
      [
        "Content, padding, border, margin",
        "box-sizing changes how width is computed",
        "Margins can collapse vertically",
      ],
    ],
    [
      "HTML & CSS",
      "Why does semantic HTML matter?",
      [
        "Accessibility for screen readers",
        "SEO and document outline",
        "Maintainability and built-in behaviour",
      ],
    ],
    [
      "React",
      "What is the difference between props and state in React?",
      [
        "Props come from the parent and are read-only",
        "State belongs to the component; updating it re-renders",
        "Lift state up to share it between components",
      ],
    ],
    [
      "React",
      "Why does React need a key on list items, and what goes wrong with array indexes as keys?",
      [
        "Keys identify items across renders",
        "Index keys break when items are inserted, removed or reordered",
        "Wrong items keep state such as input values",
        "Use stable unique ids",
      ],
    ],
    [
      "Performance",
      "What are the Core Web Vitals, and what does each one measure?",
      [
        "LCP: how fast the main content loads",
        "INP: how fast the page responds to input",
        "CLS: how much the layout shifts",
        "Measured on real users (field data)",
      ],
    ],
    [
      "Performance",
      "What is the difference between async and defer on a script tag?",
      [
        "Both download without blocking HTML parsing",
        "async runs as soon as it arrives, in no fixed order",
        "defer runs after parsing, in document order",
        "Module scripts are deferred by default",
      ],
    ],
    [
      "Architecture",
      "What are the differences between client-side rendering, server-side rendering and static generation?",
      [
        "CSR: the browser renders; slower first paint and weaker SEO",
        "SSR: HTML per request; faster first paint, server cost, hydration",
        "Static generation: built ahead, served from a CDN, may be stale",
        "Choose per page",
      ],
    ],
    [
      "Architecture",
      "What does a bundler such as Vite or webpack do for a frontend project?",
      [
        "Resolves the module graph into optimized bundles",
        "Transforms TypeScript, JSX and CSS",
        "Code splitting, tree shaking and minification",
        "A dev server with hot module replacement",
      ],
    ],
    [
      "Security",
      "What is the same-origin policy, and how does CORS relax it?",
      [
        "Scripts cannot read responses from another scheme, host or port",
        "The server opts in with Access-Control-Allow-Origin",
        "Non-simple requests send a preflight OPTIONS",
        "Credentials need an explicit origin, not a wildcard",
      ],
    ],
    [
      "Security",
      "Where should a web app keep an authentication token, and what is the risk of localStorage?",
      [
        "Any script can read localStorage, so XSS can steal the token",
        "httpOnly, Secure, SameSite cookies are out of reach of scripts",
        "Cookies then need CSRF protection",
        "Short-lived tokens limit the damage",
      ],
    ],
  ],
  medium: [
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
    [
      "JavaScript",
      "How does `this` get its value in JavaScript, and how do arrow functions change that?",
      [
        "Decided by the call site: method call, plain call, new, call/apply/bind",
        "A plain call in strict mode gives undefined",
        "Arrow functions take this from the enclosing scope",
        "Passing a method as a callback loses its this",
      ],
    ],
    [
      "HTML & CSS",
      "When would you use CSS Grid and when Flexbox?",
      [
        "Flexbox lays out in one dimension, driven by content",
        "Grid lays out rows and columns together with explicit tracks",
        "Often Grid for page layout and Flexbox inside components",
      ],
    ],
    [
      "HTML & CSS",
      "How do you make a custom dropdown component accessible?",
      [
        "Prefer the native select when it fits",
        "Correct roles and states, e.g. combobox, listbox, aria-expanded",
        "Full keyboard support and focus management",
        "Test with a screen reader",
      ],
    ],
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
      "React",
      "How does the dependency array of useEffect work, and what bugs does it commonly cause?",
      [
        "The effect runs after render when a dependency changes",
        "Missing dependencies give stale closures",
        "Objects and functions recreated each render re-run the effect",
        "Cleanup for subscriptions and for racing fetches",
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
      "Performance",
      "How would you reduce the JavaScript bundle size of a large application?",
      [
        "Find the heavy parts with a bundle analyzer",
        "Split code and lazy-load routes",
        "Tree shaking and lighter dependencies",
        "Modern build targets and compression",
      ],
    ],
    [
      "Architecture",
      "How would you organize data fetching so that components neither refetch the same data nor show stale data?",
      [
        "A server-state cache keyed by query (React Query, SWR)",
        "Deduplication and invalidation after mutations",
        "Consistent loading and error states",
        "Prefetching or server rendering with hydration",
      ],
    ],
    [
      "Architecture",
      "How would you handle large forms with complex validation in a frontend app?",
      [
        "Controlled versus uncontrolled inputs and re-render cost",
        "One validation schema shared with the backend",
        "Validate at sensible moments and show errors accessibly",
        "The server still validates everything",
      ],
    ],
    [
      "Security",
      "What is CSRF, and how do SameSite cookies and CSRF tokens prevent it?",
      [
        "Another site makes the browser send an authenticated request",
        "SameSite=Lax or Strict stops cookies on cross-site requests",
        "Synchronizer or double-submit tokens",
        "Never change state on GET",
      ],
    ],
    [
      "Security",
      "How do you protect a web app from a malicious third-party script, such as a compromised analytics tag?",
      [
        "Subresource Integrity for scripts with fixed content",
        "A Content Security Policy limiting script sources",
        "Sandboxed iframes for third-party widgets",
        "Keep and audit a short list of third parties",
      ],
    ],
  ],
  hard: [
    [
      "JavaScript",
      "How can a single-page application leak memory, and how would you find the leak?",
      [
        "Detached DOM nodes, listeners and timers never removed",
        "Caches and closures that only grow",
        "Compare heap snapshots in DevTools",
        "Clean up in effects; WeakMap for metadata",
      ],
    ],
    [
      "JavaScript",
      "Explain how promises and async/await handle errors, including unhandled rejections and cancellation.",
      [
        "An async function returns a promise; await throws on rejection",
        "A rejection with no handler becomes an unhandled rejection",
        "Promise.all fails fast; allSettled waits for all",
        "Cancel with AbortController",
      ],
    ],
    [
      "HTML & CSS",
      "How would you build theming for a design system so that components support dark mode and brand themes?",
      [
        "Design tokens as CSS custom properties",
        "Semantic tokens mapped per theme",
        "prefers-color-scheme plus a user choice applied before first paint",
        "Check contrast in every theme",
      ],
    ],
    [
      "HTML & CSS",
      "How would you make a complex single-page application usable with a keyboard and a screen reader?",
      [
        "Manage focus on route changes and in modals",
        "Live regions for asynchronous updates",
        "Landmarks and a sensible heading structure",
        "Automated checks plus manual testing",
      ],
    ],
    [
      "React",
      "Explain React reconciliation and concurrent rendering, and what they imply for side effects during render.",
      [
        "Trees are diffed by element type and key",
        "Render can be interrupted and restarted; commit applies changes",
        "Render must be pure (StrictMode calls it twice)",
        "Transitions mark updates as non-urgent",
      ],
    ],
    [
      "React",
      "How does server-side rendering with hydration work in React, and what causes hydration mismatches?",
      [
        "Server HTML first, then the client attaches to the existing DOM",
        "Mismatches come from output that differs: dates, random values, browser-only checks",
        "Streaming and Suspense allow selective hydration",
        "Server components send less JavaScript",
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
    [
      "Performance",
      "Interactions on a page feel sluggish and INP is poor. How do you find and fix the cause?",
      [
        "Field data and the performance panel show the long tasks",
        "Break up long tasks and yield to the browser",
        "Move heavy computation to a web worker",
        "Cut unnecessary re-renders",
      ],
    ],
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
      "Architecture",
      "When would you adopt micro-frontends, and what problems do they bring?",
      [
        "Independent deploys for many teams owning separate domains",
        "Costs: duplicated dependencies, larger bundles, inconsistent UX",
        "Integration by module federation, iframes or build-time composition",
        "A shared design system and clear contracts",
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
      "Security",
      "Design the login flow for a single-page app that uses a third-party identity provider.",
      [
        "Authorization code flow with PKCE, not the implicit flow",
        "A backend-for-frontend with httpOnly cookies, or tokens kept in memory",
        "Refresh-token rotation",
        "Validate state and nonce; handle logout",
      ],
    ],
  ],
};
