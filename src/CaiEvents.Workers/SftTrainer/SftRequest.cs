using CaiEvents.Contracts.Events;

namespace CaiEvents.Workers.SftTrainer;

/// <summary>What <c>cai sft</c> (or a <see cref="CaiEvents.Contracts.Commands.FineTunePolicy"/> command) asks for.</summary>
public sealed record SftRequest(Guid RunId, string BaseModel, string OutputDirectory, long? AsOf, SftHyperParameters HyperParameters);
