export { loadConfig, loadConfigOrExit, ConfigError } from "./config.ts";
export type { Config, ProviderConfig, ProviderLimits } from "./config.ts";
