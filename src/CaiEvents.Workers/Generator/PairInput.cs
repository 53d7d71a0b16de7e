using CaiEvents.Domain.Sl;

namespace CaiEvents.Workers.Generator;

/// <summary>What a pair's two responses depend on: the run seed, the pair's seed key (<see cref="Seeds.ComparisonKey"/>) and its rendered prompt.</summary>
public sealed record PairInput(long RunSeed, Guid PairId, Guid SeedKey, string Prompt);
