package org.switchboard.subscription;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What is needed to re-establish a subscription or to answer inside its dialog after a restart.
 *
 * @param callId       the dialog's Call-ID
 * @param localTag     our tag
 * @param remoteTag    the peer's tag
 * @param localCseq    the last CSeq we sent
 * @param remoteCseq   the last CSeq the peer sent
 * @param routeSet     the dialog's route set, in order
 * @param remoteTarget the peer's Contact
 * @param expiresAt    when the subscription expires unless refreshed
 */
public record DialogData(String callId, String localTag, String remoteTag, long localCseq, long remoteCseq, List<String> routeSet,
        String remoteTarget, Optional<Instant> expiresAt) {

    public DialogData {
        routeSet = List.copyOf(routeSet);
    }

    public static DialogData none() {
        return new DialogData("", "", "", 0, 0, List.of(), "", Optional.empty());
    }
}
