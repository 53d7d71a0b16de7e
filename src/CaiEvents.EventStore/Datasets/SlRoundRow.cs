using System.Text.Json.Serialization;
using CaiEvents.Domain.Sl;

namespace CaiEvents.EventStore.Datasets;

/// <summary>One critique/revision round as a Parquet struct (the conversational SL rows' <c>rounds</c> list).</summary>
public sealed class SlRoundRow
{
    [JsonPropertyName("round")] public int Round { get; set; }
    [JsonPropertyName("principle_id")] public string? PrincipleId { get; set; }
    [JsonPropertyName("critique")] public string? Critique { get; set; }
    [JsonPropertyName("revision")] public string? Revision { get; set; }

    public static SlRoundRow From(RoundState round) =>
        new() { Round = round.Round, PrincipleId = round.PrincipleId, Critique = round.Critique, Revision = round.Revision };
}
