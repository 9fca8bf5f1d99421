namespace KeyPortal.TestSupport.Peers;

/// <summary>A peer did not come up: the message says why and carries the end of what it printed.</summary>
public sealed class PeerStartException : Exception
{
    public PeerStartException()
    {
    }

    public PeerStartException(string message)
        : base(message)
    {
    }

    public PeerStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal PeerStartException(string peer, string reason, string logPath, bool exited, Exception? innerException = null)
        : base($"{peer} did not start: {reason}. Its log ({logPath}) ends with:\n{Tail(logPath)}", innerException)
    {
        LogPath = logPath;
        ProcessExited = exited;
    }

    /// <summary>The peer's log file.</summary>
    public string? LogPath { get; }

    /// <summary>The process ended by itself (e.g. its port was taken in the meantime), so a new start may work.</summary>
    public bool ProcessExited { get; }

    private static string Tail(string logPath)
    {
        try
        {
            using var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            const int Keep = 6000;
            return text.Length <= Keep ? text : "…" + text[^Keep..];
        }
        catch (IOException exception)
        {
            return $"(the log could not be read: {exception.Message})";
        }
    }
}
