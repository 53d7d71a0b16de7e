namespace CaiEvents.Contracts;

/// <summary>Everything that decides what a run produces, frozen into <see cref="Events.RunStarted"/>.</summary>
public sealed record RunConfiguration(
    int Revisions,
    long Seed,
    string PromptSource,
    string PromptSetHash,
    string GeneratorModel,
    string CriticModel,
    string ReviserModel,
    SamplingParameters GeneratorSampling,
    SamplingParameters CriticSampling,
    SamplingParameters ReviserSampling,
    string PromptTemplateVersion);

/// <summary>The full constitution text as used by the run, so a run can be replayed and audited without the file.</summary>
public sealed record ConstitutionSnapshot(string Id, int Version, string ContentHash, string SourceName, string Text);
