namespace CaiEvents.Dashboard.Jobs;

/// <summary>A job's checkpoint as its event records it: after step or epoch <see cref="At"/> of <see cref="Of"/>, with the weights' sha256.</summary>
public sealed record JobCheckpoint(int At, int Of, string Path, string Sha256, bool Final, DateTimeOffset RecordedAt);
