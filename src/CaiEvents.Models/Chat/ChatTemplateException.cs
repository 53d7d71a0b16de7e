namespace CaiEvents.Models.Chat;

/// <summary>
/// A chat template is not one this project renders, or a conversation does not fit the template's format
/// (a system message for a family without one, turns that do not alternate, an unknown role). One line, shown as it is.
/// </summary>
public sealed class ChatTemplateException(string message) : Exception(message.ReplaceLineEndings(" "));
