namespace CaiEvents.Contracts.Events;

/// <summary>
/// LoRA settings of a training job: only rank-<paramref name="Rank"/> adapters on the named layers train, the base weights stay frozen.
/// </summary>
/// <param name="Alpha">The adapter's update is scaled by Alpha / Rank.</param>
/// <param name="Dropout">Dropout on the adapters' input while training.</param>
/// <param name="TargetModules">Comma-separated layer names (e.g. <c>q_proj,v_proj</c>); null: every linear layer of the model's family.</param>
public sealed record LoraHyperParameters(int Rank, double Alpha, double Dropout, string? TargetModules = null);
