MATCH (`~id` {`a``b`: 1}) // comment
/* block */ RETURN `~id` AS résumé