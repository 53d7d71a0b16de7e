using CaiEvents.Contracts;

namespace CaiEvents.Models.Chat;

/// <summary>
/// The "format" of a model whose server applies its own template: the messages as <see cref="ServerChatMessages"/> text. There
/// is no end-of-turn text on this side (the server stops at its own), so <see cref="EndOfTurn"/> is empty.
/// </summary>
internal sealed class ServerChatFormat : IChatFormat
{
    public const string FamilyName = "server";

    public string Family => FamilyName;

    public string EndOfTurn(string eosToken) => "";

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken) =>
        ServerChatMessages.Encode(messages);
}
