export { loadConfig, loadConfigOrExit, ConfigError, secretValues } from "./config.ts";
export type { Config, ProviderConfig, ProviderLimits } from "./config.ts";
