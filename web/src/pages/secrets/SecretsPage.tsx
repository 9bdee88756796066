export function SecretsPage() { return null; }
