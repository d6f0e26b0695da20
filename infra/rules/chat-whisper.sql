SELECT encode(*, 'base64') AS payload, topic() AS topic, clientid() AS clientId,
       principal() AS principal, timestamp() AS receivedAt, newuuid() AS ingestId
FROM '${topic_prefix}/whisper/+'
