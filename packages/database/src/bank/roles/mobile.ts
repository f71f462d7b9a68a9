import type { RoleBank } from "../curated.ts";

// Categories: Lifecycle, UI, Architecture, Performance, Data & Networking, Release & Testing.
// Covers iOS, Android and cross-platform work.
export const mobile: RoleBank = {
  easy: [
    [
      "Lifecycle",
      "Describe the main states of a mobile app's lifecycle. What should the app do when it goes to the background?",
      [
        "Foreground, background, suspended, terminated",
        "Save user state and pause work when backgrounded",
        "Release resources",
        "The OS may kill a backgrounded app at any time",
      ],
    ],
    [
      "Lifecycle",
      "What happens to an Android Activity on a configuration change such as rotation, and how do you keep its state?",
      [
        "The activity is destroyed and recreated",
        "A ViewModel survives configuration changes",
        "Saved instance state covers process death",
        "Never hold the activity in long-lived objects",
      ],
    ],
    [
      "UI",
      "How do you support different screen sizes and pixel densities in a mobile app?",
      [
        "Density-independent units (dp, points)",
        "Flexible layouts: constraints, Auto Layout, Compose or SwiftUI",
        "Vector assets or @2x/@3x variants",
        "Test several devices and orientations",
      ],
    ],
    [
      "UI",
      "What is declarative UI, as in SwiftUI or Jetpack Compose, and how does it differ from imperative views?",
      [
        "The UI is a function of state",
        "The framework works out what changed and redraws it",
        "Imperative code mutates view objects by hand",
        "Hoist state to keep components simple",
      ],
    ],
    [
      "Architecture",
      "What is MVVM, and why is it common in mobile apps?",
      [
        "View, ViewModel exposing state, Model",
        "Logic testable without the UI",
        "ViewModels survive lifecycle changes",
        "Pairs well with one-way data flow",
      ],
    ],
    [
      "Architecture",
      "What is dependency injection, and why is it useful in a mobile app?",
      [
        "Objects receive their dependencies instead of creating them",
        "Easy to swap in fakes for tests",
        "Tools such as Hilt or Dagger, or manual injection",
        "Scopes control lifetimes",
      ],
    ],
    [
      "Performance",
      "Why must UI updates happen on the main thread, and how do you keep slow work off it?",
      [
        "UI toolkits are not thread-safe and the main thread draws frames",
        "Blocking it causes jank or an ANR",
        "Use coroutines, dispatch queues or async/await",
        "Post results back to the main thread",
      ],
    ],
    [
      "Performance",
      "What is a memory leak in a mobile app? Give a common example.",
      [
        "Objects kept alive after they are no longer needed",
        "iOS: a retain cycle through a closure capturing self",
        "Android: a long-lived reference to an Activity context",
        "Find them with Instruments or LeakCanary",
      ],
    ],
    [
      "Data & Networking",
      "What options do you have for storing data locally on a mobile device?",
      [
        "Key-value storage for small settings",
        "A database (SQLite, Room, Core Data) for structured data",
        "Files for large blobs",
        "Keychain or Keystore for secrets",
      ],
    ],
    [
      "Data & Networking",
      "How should a mobile app behave on an unreliable network?",
      [
        "Timeouts, and retries with backoff",
        "Show cached data and a clear offline state",
        "Queue writes to send later",
        "Handle failures even when the device reports a connection",
      ],
    ],
    [
      "Release & Testing",
      "What are unit tests, UI tests and snapshot tests for mobile apps, and what is each good for?",
      [
        "Unit tests: fast checks of logic",
        "UI tests (XCUITest, Espresso): drive the app, slower and more fragile",
        "Snapshot tests: catch visual regressions",
        "Keep most tests at the unit level",
      ],
    ],
    [
      "Release & Testing",
      "What does code signing do for iOS and Android apps?",
      [
        "Proves who built the app and that it was not altered",
        "iOS: certificates and provisioning profiles",
        "Android: a signing key, often managed by Play App Signing",
        "Losing the key can block updates",
      ],
    ],
  ],
  medium: [
    [
      "Lifecycle",
      "How do you run background work reliably on iOS and Android despite OS restrictions?",
      [
        "Android: WorkManager with constraints; foreground services for user-visible work",
        "iOS: BGTaskScheduler and background URL sessions",
        "The OS decides when work runs to save battery",
        "Make work resumable and idempotent",
      ],
    ],
    [
      "Lifecycle",
      "How do you make sure users don't lose progress when the OS kills your app in the background?",
      [
        "Persist important state as it changes",
        "Restore navigation and drafts on relaunch",
        "Saved state handles and state restoration APIs",
        "Test by killing the process",
      ],
    ],
    [
      "UI",
      "How would you build an infinitely scrolling feed with images that stays smooth?",
      [
        "Recycling lists: RecyclerView, LazyColumn, UICollectionView",
        "Paging with prefetch",
        "An image library that downsamples, caches and cancels off-screen loads",
        "Stable ids and diffing for updates",
      ],
    ],
    [
      "UI",
      "How do you make a mobile app accessible?",
      [
        "Labels for VoiceOver and TalkBack",
        "Support dynamic type and font scaling",
        "Enough contrast and large touch targets",
        "Test with a screen reader",
      ],
    ],
    [
      "Architecture",
      "How do you structure navigation in a large app, including deep links?",
      [
        "A central navigation graph or coordinators",
        "Deep and universal links routed and validated in one place",
        "Handle signed-out users and the back stack",
        "Keep navigation testable",
      ],
    ],
    [
      "Architecture",
      "How would you modularize a large mobile codebase that several teams work on?",
      [
        "Feature modules with small public APIs",
        "Faster builds and clear ownership",
        "Dependency rules: features do not depend on each other",
        "Shared core and design-system modules",
      ],
    ],
    [
      "Performance",
      "How do you measure and reduce app startup time?",
      [
        "Measure cold and warm starts with platform tools",
        "Defer SDK initialization and load lazily",
        "No disk or network work on the main thread at launch",
        "Track startup time in production",
      ],
    ],
    [
      "Performance",
      "How would you reduce the battery drain your app causes?",
      [
        "Batch network requests; push instead of polling",
        "Lower location accuracy and frequency",
        "Respect background limits",
        "Profile with the platform energy tools",
      ],
    ],
    [
      "Data & Networking",
      "How would you cache API data in a mobile app and keep it fresh?",
      [
        "A local database as the single source of truth for the UI",
        "Stale-while-revalidate, ETags and cache headers",
        "Invalidate on writes and by age",
        "Migrate the local schema between versions",
      ],
    ],
    [
      "Data & Networking",
      "How do you store sensitive data such as tokens on a mobile device?",
      [
        "Keychain or Keystore-backed encrypted storage",
        "Never plain preferences or logs",
        "Biometric protection where it fits",
        "Clear it on logout",
      ],
    ],
    [
      "Release & Testing",
      "How do you release a mobile update safely when installed versions cannot be rolled back?",
      [
        "Staged or phased rollouts",
        "Feature flags and remote config to switch features off",
        "Watch crash rates and halt the rollout",
        "Keep APIs compatible with old versions; force updates only as a last resort",
      ],
    ],
    [
      "Release & Testing",
      "How do you make mobile UI tests reliable?",
      [
        "Synchronize with the app's idle state instead of sleeping",
        "Control test data with a fake server",
        "Stable accessibility identifiers",
        "Consistent emulators or a device farm",
      ],
    ],
  ],
  hard: [
    [
      "Lifecycle",
      "Design a feature that records a user's run with GPS for an hour while the screen is off.",
      [
        "Background location modes and permissions on each platform",
        "Balance accuracy and battery with distance filters and batching",
        "Persist points as they arrive to survive process death",
        "Resume cleanly after the OS stops the app",
      ],
    ],
    [
      "Lifecycle",
      "How do push notifications work end to end, including when the app has been killed?",
      [
        "APNs or FCM tokens registered with the backend and refreshed",
        "Notification messages are shown by the OS; data messages need the app",
        "Delivery is not guaranteed: priorities and limits",
        "Open the right screen on tap",
      ],
    ],
    [
      "UI",
      "How would you build a custom, high-performance chart drawn on a canvas?",
      [
        "A custom view or Canvas with no allocations while drawing",
        "Redraw only what changed",
        "Gesture handling",
        "Accessibility through content descriptions and custom actions",
      ],
    ],
    [
      "UI",
      "How would you build a mobile design system that supports theming, dark mode and dynamic type?",
      [
        "Design tokens mapped to platform themes",
        "Semantic colors that adapt to dark mode",
        "Layouts that grow with text size",
        "Snapshot tests across themes and sizes",
      ],
    ],
    [
      "Architecture",
      "How would you share code between iOS and Android? Compare Flutter, React Native and Kotlin Multiplatform.",
      [
        "Flutter: its own renderer, one UI in Dart",
        "React Native: JavaScript driving native components",
        "Kotlin Multiplatform: shared logic, native UI",
        "Weigh team skills, platform fidelity and performance",
      ],
    ],
    [
      "Architecture",
      "Design the architecture of an offline-first mobile app with two-way sync.",
      [
        "The local database is the source of truth",
        "An outbox of pending changes with idempotency keys",
        "Sync by change cursors",
        "Conflict policies and schema migrations",
      ],
    ],
    [
      "Performance",
      "Explain how the Android main looper or the iOS run loop works, and how it relates to dropped frames and ANRs.",
      [
        "The main thread processes one event or message at a time",
        "Each frame must finish within the vsync budget (about 16 ms at 60 Hz)",
        "A long message drops frames; blocked input leads to an ANR",
        "Find them with StrictMode, the main-thread checker and traces",
      ],
    ],
    [
      "Performance",
      "How would you reduce the download and install size of a large mobile app?",
      [
        "Measure with APK Analyzer or the App Store size report",
        "App bundles, app thinning, on-demand features",
        "Code shrinking and removing unused resources",
        "Audit third-party SDKs",
      ],
    ],
    [
      "Data & Networking",
      "How would you design the API contract for a mobile app when many old versions stay in use?",
      [
        "Backward-compatible, additive API changes",
        "A minimum supported version and a forced-upgrade path",
        "Server-driven configuration and feature flags",
        "Monitor traffic by app version",
      ],
    ],
    [
      "Data & Networking",
      "How would you implement certificate pinning, and what are its operational risks?",
      [
        "Pin public keys rather than certificates, with backup pins",
        "A rotation mistake can cut off every installed app",
        "Platform support: network security config, URLSession delegates",
        "It does not stop an attacker who controls the device",
      ],
    ],
    [
      "Release & Testing",
      "Crash rates spike on one Android manufacturer's devices after a release. How do you investigate?",
      [
        "Group crashes by device and OS version; symbolicate traces",
        "Reproduce on that hardware or a device farm",
        "Suspect vendor-specific behaviour such as aggressive background killing",
        "Halt the rollout or disable the feature remotely",
      ],
    ],
    [
      "Release & Testing",
      "Design a CI/CD pipeline for a mobile app with internal, beta and production release channels.",
      [
        "Build and test every commit; sign in CI with protected keys",
        "Distribute to internal and beta tracks (TestFlight, Play tracks)",
        "Automate versioning and store submission",
        "Gates for tests, size and performance budgets",
      ],
    ],
  ],
};
