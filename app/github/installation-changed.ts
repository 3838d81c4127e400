/** `installation` and `installation_repositories`: where the app is installed changed. */
import type { GitHubHandlerDeps } from './handler-deps.js';

export const installationChanged =
  ({ gateway, policies }: GitHubHandlerDeps) =>
  async (): Promise<void> => {
    gateway.forgetInstallations();
    policies.invalidateAll();
  };
