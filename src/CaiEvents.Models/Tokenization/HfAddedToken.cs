namespace CaiEvents.Models.Tokenization;

/// <summary>
/// A token added on top of a Hugging Face tokenizer's model vocabulary (<c>added_tokens</c> in <c>tokenizer.json</c>,
/// <c>added_tokens_decoder</c> in <c>tokenizer_config.json</c>): it is matched in raw text before pre-tokenisation.
/// </summary>
/// <param name="Id">Its token id.</param>
/// <param name="Content">The text it stands for, e.g. <c>&lt;|im_start|&gt;</c>.</param>
/// <param name="Special">True for control tokens (bos, eos, chat markers); false for added ordinary words.</param>
public sealed record HfAddedToken(int Id, string Content, bool Special);
