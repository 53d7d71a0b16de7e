namespace CaiEvents.Workers.Common;

/// <summary>
/// A host's <c>--concurrency</c>: when set, it replaces the configured <see cref="WorkerRoleOptions.Concurrency"/> of every
/// role the host runs (see <see cref="RoleRegistration.AddRoleOptions{T}"/>).
/// </summary>
public sealed record WorkerConcurrency(int? Override);
