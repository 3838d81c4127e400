/** `installation` and `installation_repositories`: where the app is installed changed. */
import type { GitHubHandlerDeps } from './handler-deps.js';

export const installationChanged =
  ({ gateway }: GitHubHandlerDeps) =>
  async (): Promise<void> => {
    gateway.forgetInstallations();
  };
