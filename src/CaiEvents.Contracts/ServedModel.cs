using System.Text.Json.Serialization;

namespace CaiEvents.Contracts;

/// <summary>
/// What a remote server says about the model behind a name: its <c>/v1/models</c> entry (id, owner, and where given the
/// <c>root</c> path and maximum length) and the <c>system_fingerprint</c> of the response. A remote server does not expose its
/// weights, so this is the evidence that makes a model swapped behind the same name visible in the audit.
/// Null members were not given by the server and are left out of the stored JSON.
/// </summary>
public sealed record ServedModel(
    string Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? OwnedBy = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Root = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? MaxModelLength = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SystemFingerprint = null);
