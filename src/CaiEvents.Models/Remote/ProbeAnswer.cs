using System.Text.Json.Nodes;

namespace CaiEvents.Models.Remote;

/// <summary>A server's answer to one probe request: the status, the body's error text when it failed, and its JSON when it parsed.</summary>
internal sealed record ProbeAnswer(int Status, string ErrorText, JsonNode? Json)
{
    public bool Ok => Status is >= 200 and < 300;

    /// <summary>429 or a 5xx other than 501: the server is busy or failing, which says nothing about what it supports.</summary>
    public bool Transient => Status == 429 || (Status >= 500 && Status != 501);

    /// <summary>For notes: <c>HTTP 400 (the server's message)</c>.</summary>
    public string Describe() => Ok ? $"HTTP {Status}" : $"HTTP {Status} ({ErrorText})";
}
